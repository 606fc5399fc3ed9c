import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../test/support/stacks/test-app.ts';
import { dev } from './config/dev.ts';
import { PORTAL_DIST, portalRuntimeConfig } from './constructs/portal-content.ts';
import { PortalStack } from './portal-stack.ts';

describe('portal stack (dev)', () => {
  let t: Template;
  let app: ReturnType<typeof testApp>;
  beforeAll(() => {
    app = testApp(dev);
    t = app.template(app.stacks.portal);
  });

  it('is in us-east-1 (CloudFront certificates and web ACLs live there)', () => {
    expect(app.stacks.portal.region).toBe('us-east-1');
  });

  it('keeps the portal in a private, versioned, KMS-encrypted bucket that logs its access', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogBucket') },
        LogFilePrefix: 'content/',
      },
    });
  });

  it('denies non-TLS access to both buckets', () => {
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const p of policies) expect(JSON.stringify(p)).toContain('"aws:SecureTransport":"false"');
  });

  it('encrypts and versions the log bucket too (SSE-S3: required by S3 log delivery)', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('serves through CloudFront with origin access control, TLS 1.2, geo restriction, logging and the WAF', () => {
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: [dev.portal.domainName],
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
        ViewerCertificate: Match.objectLike({
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
        Restrictions: {
          GeoRestriction: { Locations: [...dev.portal.allowedCountries], RestrictionType: 'whitelist' },
        },
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
        WebACLId: { 'Fn::GetAtt': ['WebAcl', 'Arn'] },
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
      }),
    });
  });

  it('filters with AWS managed common, known-bad-inputs and IP-reputation rules plus a rate limit, and logs', () => {
    const acl = Object.values(t.findResources('AWS::WAFv2::WebACL'))[0] as {
      Properties: { Scope: string; Rules: { Name: string; Statement: Record<string, unknown> }[] };
    };
    expect(acl.Properties.Scope).toBe('CLOUDFRONT');
    expect(acl.Properties.Rules.map((r) => r.Name)).toEqual([
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'RateLimitPerIp',
    ]);
    expect(acl.Properties.Rules[3]!.Statement).toEqual({
      RateBasedStatement: { Limit: dev.portal.wafRateLimit, AggregateKeyType: 'IP' },
    });
    t.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      LogDestinationConfigs: [Match.stringLikeRegexp(':log-group:aws-waf-logs-hcb-dev-portal$')],
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'aws-waf-logs-hcb-dev-portal',
      KmsKeyId: Match.anyValue(),
    });
  });

  it('points the portal name at the distribution', () => {
    for (const Type of ['A', 'AAAA'])
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${dev.portal.domainName}.`,
        Type,
        HostedZoneId: dev.dns.hostedZoneId,
      });
  });

  it('uploads the portal and a config.json naming the API URL and the identity provider of the stage', () => {
    t.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: Match.stringLikeRegexp('^ContentBucket') },
      Prune: false,
      DistributionPaths: ['/index.html', '/config.json'],
      SourceObjectKeys: [Match.anyValue(), Match.anyValue()],
      SystemMetadata: Match.objectLike({ sse: 'aws:kms' }),
    });
    expect(portalRuntimeConfig(dev)).toEqual({
      apiUrl: `https://${dev.api.domainName}`,
      auth: { mode: 'oidc', issuer: dev.idp.issuer, clientId: dev.portal.clientId, scope: 'openid' },
    });
    // The staged asset holds exactly that file, as the portal fetches it.
    const staged = readdirSync(app.outdir)
      .map((d) => join(app.outdir, d, 'config.json'))
      .filter((f) => existsSync(f));
    expect(staged).toHaveLength(1);
    expect(JSON.parse(readFileSync(staged[0]!, 'utf8'))).toEqual(portalRuntimeConfig(dev));
  });

  it.skipIf(!existsSync(resolve(PORTAL_DIST, 'index.html')))(
    'stages the built portal/dist for a real synth',
    () => {
      const distApp = new App();
      const stack = new PortalStack(distApp, 'PortalDist', {
        env: { account: dev.account, region: 'us-east-1' },
        config: dev,
        content: 'dist',
      });
      const deployment = Object.values(
        Template.fromStack(stack).findResources('Custom::CDKBucketDeployment'),
      )[0];
      expect(deployment).toBeDefined();
      const outdir = distApp.outdir;
      const stagedIndex = readdirSync(outdir).some(
        (d) => existsSync(join(outdir, d, 'index.html')) && existsSync(join(outdir, d, 'assets')),
      );
      expect(stagedIndex).toBe(true);
    },
  );
});
