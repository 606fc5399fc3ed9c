import { resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSizing, LogLevel } from '../config/stage-config.ts';
import { CEDAR_WASM, ESM_DIRNAME_DEFINE, ESM_REQUIRE_BANNER, LAMBDA_NODE_TARGET } from '../lambda-esbuild.ts';
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

export type BrokerEntry = 'api' | 'worker' | 'reconciler';

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

/** Where the functions find the policy files at runtime (copied into the bundle by the afterBundling hook). */
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

    this.function =
      props.code === 'bundle'
        ? new nodejs.NodejsFunction(this, 'Function', {
            ...common,
            entry: resolve(REPO_ROOT, 'functions', `${props.entry}.ts`),
            handler: 'handler',
            projectRoot: REPO_ROOT,
            depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
            bundling: bundlingOptions(),
          })
        : new lambda.Function(this, 'Function', {
            ...common,
            handler: 'index.handler',
            code: lambda.Code.fromInline(
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

/** esbuild options shared by the three functions: one self-contained ESM file plus the policy files. */
export function bundlingOptions(): nodejs.BundlingOptions {
  return {
    forceDockerBundling: false,
    format: nodejs.OutputFormat.ESM,
    target: LAMBDA_NODE_TARGET,
    mainFields: ['module', 'main'],
    banner: ESM_REQUIRE_BANNER,
    minify: true,
    keepNames: true,
    sourceMap: false,
    define: ESM_DIRNAME_DEFINE,
    // Bundle the AWS SDK too: the version the tests ran against is the version that runs.
    externalModules: [],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `cp -R "${inputDir}/policies" "${outputDir}/policies"`,
        `find "${outputDir}/policies" -name '*.ts' -type f -delete`,
        // The Cedar engine's WebAssembly, only when the bundle uses it.
        `if grep -q cedar_wasm_bg.wasm "${outputDir}/index.mjs"; then cp "${inputDir}/${CEDAR_WASM}" "${outputDir}/"; fi`,
      ],
    },
  };
}
