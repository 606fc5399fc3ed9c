import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { testApp } from '../../test/support/stacks/test-app.ts';
import { dev } from '../config/dev.ts';
import { prod } from '../config/prod.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { acknowledgements, covers, nagFindings } from './findings.ts';

const NAG_RULE = /^(AwsSolutions|HIPAA\.Security)-/;

/**
 * Acknowledgements kept although cdk-nag raises nothing for them, because they record a decision:
 * AWS WAF cannot protect an HTTP API, and cdk-nag evaluates APIG3 only on REST API stages.
 */
const DOCUMENTARY = new Set(['AwsSolutions-APIG3']);

/** aws-cdk-lib's BucketDeployment handler in the portal stack (stacks/constructs/portal-content.ts). */
const portalDeployment = (account: string): Record<string, number> => ({
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': 1,
  ...Object.fromEntries(
    [
      'Action::kms:GenerateDataKey*',
      'Action::kms:ReEncrypt*',
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Resource::<ContentBucket52D4B12C.Arn>/*',
      `Resource::arn:aws:s3:::cdk-hnb659fds-assets-${account}-us-east-1/*`,
    ].map((f) => [`AwsSolutions-IAM5[${f}]`, 1]),
  ),
  'AwsSolutions-L1': 1,
  'HIPAA.Security-IAMNoInlinePolicy': 1,
  'HIPAA.Security-LambdaConcurrency': 1,
  'HIPAA.Security-LambdaInsideVPC': 1,
});

/**
 * Every acknowledged finding, counted by rule, per stage. A change here means an exception to the
 * AwsSolutions / HIPAA Security packs was added or removed: review its reason before updating.
 */
const ACKNOWLEDGED: Record<string, Record<string, number>> = {
  dev: {
    ...portalDeployment(dev.account),
    'AwsSolutions-APIG4': 8, // 4 public routes × 2 regions (/healthz, /openapi.json, /docs, /docs/{proxy+})
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]': 1,
    'AwsSolutions-IAM5[Resource::*]': 7, // 3 functions × 2 regions: ENI management, X-Ray; portal invalidation
    'AwsSolutions-IAM5[Resource::<AuditIntegrityAnchorBucketA623B980.Arn>/*]': 2, // API writes heads, 2 regions
    'AwsSolutions-S1': 2, // audit anchor bucket × 2 regions
    'AwsSolutions-SMG4': 6, // OpenStack credentials, cursor key, audit key digest × 2 regions
    'HIPAA.Security-LambdaDLQ': 5, // api and worker × 2 regions; the portal's deployment handler
    'HIPAA.Security-S3BucketLoggingEnabled': 2,
    'HIPAA.Security-S3BucketReplicationEnabled': 4, // portal buckets, audit anchor × 2 regions
    'HIPAA.Security-S3DefaultEncryptionKMS': 1,
    'HIPAA.Security-SecretsManagerRotationEnabled': 6,
    'HIPAA.Security-VPCNoUnrestrictedRouteToIGW': 4, // public (NAT-only) subnets: 2 zones × 2 regions
  },
  prod: {
    ...portalDeployment(prod.account),
    'AwsSolutions-APIG4': 2, // /healthz × 2 regions (no public docs in prod)
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]': 1,
    'AwsSolutions-IAM5[Resource::*]': 7,
    'AwsSolutions-IAM5[Resource::<AuditIntegrityAnchorBucketA623B980.Arn>/*]': 2,
    'AwsSolutions-S1': 2,
    'AwsSolutions-SMG4': 6,
    'HIPAA.Security-LambdaDLQ': 5,
    'HIPAA.Security-S3BucketLoggingEnabled': 2,
    'HIPAA.Security-S3BucketReplicationEnabled': 4,
    'HIPAA.Security-S3DefaultEncryptionKMS': 1,
    'HIPAA.Security-SecretsManagerRotationEnabled': 6,
    'HIPAA.Security-VPCNoUnrestrictedRouteToIGW': 6, // 3 zones × 2 regions
  },
};

describe.each([dev, prod] as StageConfig[])('cdk-nag AwsSolutions + HIPAA Security ($stage)', (config) => {
  const t = testApp(config, { validate: true });

  it('synthesizes every stack with zero unacknowledged findings', { timeout: 120_000 }, () => {
    // The packs run as policy-validation plugins: synth throws on any finding (error or warning).
    expect(() => t.app.synth()).not.toThrow();
    const report = JSON.parse(readFileSync(join(t.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
    };
    for (const plugin of report.pluginReports)
      expect(plugin, plugin.pluginName).toMatchObject({ conclusion: 'success', violations: [] });
    expect(nagFindings(t.app, 'honour')).toEqual([]);
  });

  it('acknowledges each exception with its HIPAA control and a reason', () => {
    const acks = acknowledgements(t.app).filter(
      (a) => NAG_RULE.test(a.rule) || a.rule.startsWith('@aws-cdk/'),
    );
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks)
      expect(ack.reason, `${ack.rule} on ${ack.path}`).toMatch(/^§164\.3\d\d\([a-z]\)[^:]*: .{40,}/);
  });

  it('has no stale acknowledgement (each one covers a finding the packs raise)', () => {
    const raw = nagFindings(t.app, 'ignore');
    const stale = acknowledgements(t.app)
      .filter((a) => NAG_RULE.test(a.rule) && !DOCUMENTARY.has(a.rule))
      .filter((a) => !raw.some((f) => covers(a, f)))
      .map((a) => `${a.rule} on ${a.path}`);
    expect(stale).toEqual([]);
  });

  it('acknowledges exactly the reviewed set of findings', () => {
    const counts: Record<string, number> = {};
    for (const f of nagFindings(t.app, 'ignore')) counts[f.rule] = (counts[f.rule] ?? 0) + 1;
    expect(counts).toEqual(ACKNOWLEDGED[config.stage]);
  });
});

describe('the packs are live', () => {
  it('a new non-compliant resource fails synthesis', { timeout: 60_000 }, () => {
    const t = testApp(dev, { nag: true });
    new sqs.Queue(t.stacks.regional[0]!, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => t.app.synth()).toThrow(/AwsSolutions-SQS3|AwsSolutions-SQS4|HIPAA/);
    const rules = new Set(nagFindings(t.app, 'honour').map((f) => f.rule));
    expect(rules).toEqual(new Set(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
