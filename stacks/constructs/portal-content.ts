import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config.ts';
import { acknowledge, HIPAA } from '../nag/acknowledge.ts';

export const PORTAL_DIST = resolve(import.meta.dirname, '../../portal/dist');

/** What the portal reads at start (portal/app/config.ts): one build serves every stage. */
export function portalRuntimeConfig(config: StageConfig) {
  return {
    apiUrl: `https://${config.api.domainName}`,
    auth: { mode: 'oidc', issuer: config.idp.issuer, clientId: config.portal.clientId, scope: 'openid' },
  } as const;
}

export interface PortalContentProps {
  readonly config: StageConfig;
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly distribution: cloudfront.IDistribution;
  /** `dist`: the built portal (`npm --prefix portal run build`); `stub`: a placeholder page, for assertion tests. */
  readonly content: 'dist' | 'stub';
  readonly logRetentionDays: number;
  readonly logsKey: kms.IKey;
}

/**
 * Uploads the built portal and its `config.json` (API URL and identity provider of the stage) to the
 * content bucket, then invalidates the two files that are not content-hashed. Old hashed assets stay
 * (no prune): a browser still running the previous build can load the chunks it asks for.
 */
export class PortalContent extends Construct {
  readonly deployment: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: PortalContentProps) {
    super(scope, id);
    if (props.content === 'dist' && !existsSync(resolve(PORTAL_DIST, 'index.html')))
      throw new Error(`${PORTAL_DIST} has no index.html: run npm --prefix portal run build before cdk synth`);
    const build =
      props.content === 'dist'
        ? s3deploy.Source.asset(PORTAL_DIST)
        : s3deploy.Source.data('index.html', '<!doctype html><title>hcb portal (test stub)</title>');
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', {
      encryptionKey: props.logsKey,
      retention: props.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      sources: [build, s3deploy.Source.jsonData('config.json', portalRuntimeConfig(props.config))],
      destinationBucket: props.bucket,
      serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
      serverSideEncryptionAwsKmsKeyId: props.key.keyId,
      prune: false,
      distribution: props.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 512,
      logGroup,
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=60')],
    });
    acknowledgeDeploymentHandler(Stack.of(this));
  }
}

/** Findings on aws-cdk-lib's deployment handler (one per stack, a CloudFormation custom resource). */
const handlerFindings = (stack: Stack): [string, (typeof HIPAA)[keyof typeof HIPAA], string][] => [
  [
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    HIPAA.auditControls,
    'the managed basic execution role only lets the handler write its own CloudWatch logs.',
  ],
  ...[
    'Action::kms:GenerateDataKey*',
    'Action::kms:ReEncrypt*',
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Resource::<ContentBucket52D4B12C.Arn>/*',
    // The bootstrap asset bucket of the stack's account and region (default bootstrap qualifier).
    `Resource::arn:aws:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`,
    'Resource::*',
  ].map(
    (finding) =>
      [
        `AwsSolutions-IAM5[${finding}]`,
        HIPAA.accessControl,
        "aws-cdk-lib's grants for copying the built portal: object actions on the CDK asset bucket and the portal content bucket only, the content key, and CloudFront invalidations (which take no resource ARN). The files are the UI's code: no PHI.",
      ] as [string, (typeof HIPAA)[keyof typeof HIPAA], string],
  ),
  [
    'AwsSolutions-L1',
    HIPAA.riskManagement,
    "the handler's runtime is pinned by aws-cdk-lib's BucketDeployment and moves with its upgrades.",
  ],
  [
    'HIPAA.Security-IAMNoInlinePolicy',
    HIPAA.accessControl,
    "aws-cdk-lib attaches the handler's least-privilege grants as its role's default policy.",
  ],
  ...['HIPAA.Security-LambdaConcurrency', 'HIPAA.Security-LambdaDLQ', 'HIPAA.Security-LambdaInsideVPC'].map(
    (rule) =>
      [
        rule,
        HIPAA.auditControls,
        'a CloudFormation custom resource run only during a deployment, by CloudFormation: a failure fails the deployment (no event to keep), it reaches only S3 and CloudFront APIs and handles no PHI.',
      ] as [string, (typeof HIPAA)[keyof typeof HIPAA], string],
  ),
];

function acknowledgeDeploymentHandler(stack: Stack): void {
  for (const child of stack.node.children)
    if (child.node.id.startsWith('Custom::CDKBucketDeployment'))
      for (const [id, control, reason] of handlerFindings(stack)) acknowledge(child, id, control, reason);
}
