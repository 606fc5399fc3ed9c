import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { AssetOptions } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { FunctionSizing, LogLevel } from '../config/stage-config.ts';
import type { BrokerEntry } from '../lambda-esbuild.ts';
import { acknowledge, HIPAA } from '../nag/acknowledge.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';

/** The repository root: esbuild's working directory and where `functions/` and `policies/` live. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/**
 * How function code is produced. `bundle`: esbuild bundles `functions/<entry>.ts` (what `cdk synth` and
 * `cdk deploy` always use). `stub`: a tiny inline handler, ONLY for CDK assertion tests that inspect the
 * templates and must not spend seconds bundling.
 */
export type FunctionCode = 'bundle' | 'stub';

export type { BrokerEntry };

export interface BrokerFunctionProps {
  readonly entry: BrokerEntry;
  readonly description: string;
  readonly sizing: FunctionSizing;
  readonly logLevel: LogLevel;
  readonly environment: Readonly<Record<string, string>>;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly logsKey: kms.IKey;
  readonly logRetentionDays: number;
  readonly code: FunctionCode;
}

/** Where the functions find the policy files at runtime (copied into the bundle by stacks/lambda-esbuild.ts). */
export const LAMBDA_POLICIES_DIR = '/var/task/policies';

/**
 * One broker Lambda function: Node.js 24 on arm64, ESM bundle, inside the VPC, X-Ray active, JSON logs into
 * its own KMS-encrypted log group, reserved concurrency, and a role whose every permission is spelled out
 * in one customer-managed policy.
 */
export class BrokerFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: ManagedPolicyRole;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BrokerFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logsKey,
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `hcb ${props.entry} function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    // What AWSLambdaVPCAccessExecutionRole grants, written out; EC2 takes no resource-level scoping here.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );

    const common = {
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.sizing.memoryMiB,
      timeout: Duration.seconds(props.sizing.timeoutSeconds),
      reservedConcurrentExecutions: props.sizing.reservedConcurrency,
      tracing: lambda.Tracing.ACTIVE,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [props.securityGroup],
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel[props.logLevel],
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      environment: { ...props.environment, LOG_LEVEL: props.logLevel },
    };

    this.function = new lambda.Function(this, 'Function', {
      ...common,
      handler: 'index.handler',
      code:
        props.code === 'bundle'
          ? functionBundle(props.entry)
          : lambda.Code.fromInline(
              "exports.handler = async () => { throw new Error('stub code: CDK assertion tests only'); };",
            ),
    });

    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      HIPAA.informationAccess,
      'only for actions that take no resource-level scoping: EC2 network-interface management for a function in a VPC and X-Ray PutTraceSegments/PutTelemetryRecords. Data access (tables, queue, secret, keys) is scoped to the resources.',
    );
  }
}

/**
 * The function's code as stacks/lambda-esbuild.ts bundles it: `index.mjs` with the chunks it loads on
 * first use, the policies and the Cedar WebAssembly, hashed by that output (as NodejsFunction does).
 * esbuild runs locally, never in Docker: the image is only a required placeholder.
 */
function functionBundle(entry: BrokerEntry): lambda.Code {
  // The asset passes its options on to AssetStaging, which reads `extraHash`; the Lambda options type does
  // not list it, hence the wider type.
  const options: AssetOptions & { extraHash: string } = {
    assetHashType: AssetHashType.OUTPUT,
    // CDK caches bundled assets per process by source path and the serialisable bundling options; the
    // `local` bundler is a function and does not count, so without this the three entries would share
    // the first one's bundle.
    extraHash: entry,
    bundling: {
      image: DockerImage.fromRegistry('local-esbuild-only'),
      local: {
        tryBundle(outputDir) {
          execFileSync(
            process.execPath,
            [resolve(REPO_ROOT, 'stacks/bundle-function.ts'), entry, outputDir],
            {
              cwd: REPO_ROOT,
              stdio: ['ignore', process.stderr, 'inherit'],
            },
          );
          return true;
        },
      },
    },
  };
  return lambda.Code.fromAsset(REPO_ROOT, options);
}
