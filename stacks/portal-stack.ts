import { ArnFormat, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { StageConfig } from './config/stage-config.ts';
import { hostedZone } from './constructs/broker-api.ts';
import { PortalContent } from './constructs/portal-content.ts';
import { acknowledge, HIPAA } from './nag/acknowledge.ts';

export interface PortalStackProps extends StackProps {
  readonly config: StageConfig;
  /** `dist` uploads portal/dist (synth and deploy); `stub` a placeholder page (assertion tests). */
  readonly content?: 'dist' | 'stub';
}

/**
 * The admin portal's static files: a private, versioned, KMS-encrypted S3 bucket read only by CloudFront
 * (origin access control), a WAF web ACL (AWS managed common, known-bad-inputs and IP-reputation rules
 * plus a per-IP rate limit), TLS 1.2+ on the portal's own domain, access logs for both.
 *
 * Deployed in us-east-1 as a whole: CloudFront accepts only us-east-1 certificates and CLOUDFRONT-scope web
 * ACLs, so keeping the bucket there too means no cross-region references (and no custom resources to carry
 * them). The portal holds no PHI: it is the admin UI's code; data comes from the API at runtime.
 */
export class PortalStack extends Stack {
  readonly contentBucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: PortalStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retentionDays = config.observability.logRetentionDays;

    const contentKey = new kms.Key(this, 'ContentKey', {
      description: `hcb ${config.stage}: portal content bucket`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logsKey = new kms.Key(this, 'LogsKey', {
      description: `hcb ${config.stage}: portal WAF logs`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    logsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*`,
          },
        },
      }),
    );

    // Server access logs (S3) and standard logs (CloudFront). S3 log delivery requires SSE-S3 on the
    // target bucket and CloudFront's requires ACLs, hence object-writer ownership.
    this.logBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { expiration: Duration.days(retentionDays), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });
    acknowledge(
      this.logBucket,
      'HIPAA.Security-S3DefaultEncryptionKMS',
      HIPAA.encryption,
      'S3 server access log delivery supports only SSE-S3 (AES-256) on the destination bucket; the logs are encrypted at rest with S3-managed keys and hold no PHI (portal code requests only).',
    );

    this.contentBucket = new s3.Bucket(this, 'ContentBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: contentKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'content/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const bucket of [this.contentBucket, this.logBucket])
      acknowledge(
        bucket,
        'HIPAA.Security-S3BucketReplicationEnabled',
        HIPAA.contingencyPlan,
        "the portal bucket holds only the admin UI build (rebuilt from git by CI) and its access logs, no PHI; the UI is served from CloudFront's edge caches, versioning protects against overwrite, so cross-region replication adds no recoverability.",
      );

    const webAclName = `hcb-${config.stage}-portal`;
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: webAclName,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: {
        cloudWatchMetricsEnabled: true,
        sampledRequestsEnabled: true,
        metricName: webAclName,
      },
      rules: [
        managedRule('AWSManagedRulesAmazonIpReputationList', 0),
        managedRule('AWSManagedRulesCommonRuleSet', 1),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 2),
        {
          name: 'RateLimitPerIp',
          priority: 3,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: config.portal.wafRateLimit, aggregateKeyType: 'IP' } },
          visibilityConfig: {
            cloudWatchMetricsEnabled: true,
            sampledRequestsEnabled: true,
            metricName: 'RateLimitPerIp',
          },
        },
      ],
    });
    // WAF requires the `aws-waf-logs-` prefix on its log destinations.
    const wafLogGroupName = `aws-waf-logs-hcb-${config.stage}-portal`;
    const wafLogs = new logs.LogGroup(this, 'WafLogs', {
      logGroupName: wafLogGroupName,
      encryptionKey: logsKey,
      retention: retentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const wafLogging = new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }, { singleHeader: { Name: 'cookie' } }],
    });
    wafLogging.node.addDependency(wafLogs);

    const zone = hostedZone(this, config);
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: config.portal.domainName,
      validation: acm.CertificateValidation.fromDns(zone),
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `hcb ${config.stage} admin portal`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.contentBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      },
      defaultRootObject: 'index.html',
      // Single-page app: unknown paths load the app, which routes on the client.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.minutes(1),
      })),
      domainNames: [config.portal.domainName],
      certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      geoRestriction: cloudfront.GeoRestriction.allowlist(...config.portal.allowedCountries),
      webAclId: this.webAcl.attrArn,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
    });

    acknowledge(
      this,
      'Annotation::@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac',
      HIPAA.accessControl,
      'the content key lets CloudFront decrypt for distributions of this account only (aws:SourceArn arn:aws:cloudfront::<account>:distribution/*); naming this distribution would make key, bucket and distribution depend on each other in a cycle. The bucket policy still admits only this distribution.',
    );

    new PortalContent(this, 'Content', {
      config,
      bucket: this.contentBucket,
      key: contentKey,
      distribution: this.distribution,
      content: props.content ?? 'dist',
      logRetentionDays: retentionDays,
      logsKey,
    });

    const target = route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(this.distribution));
    new route53.ARecord(this, 'AliasA', { zone, recordName: config.portal.domainName, target });
    new route53.AaaaRecord(this, 'AliasAAAA', { zone, recordName: config.portal.domainName, target });

    new CfnOutput(this, 'PortalUrl', { value: `https://${config.portal.domainName}` });
    new CfnOutput(this, 'ContentBucketName', { value: this.contentBucket.bucketName });
    new CfnOutput(this, 'DistributionId', { value: this.distribution.distributionId });
  }
}

function managedRule(name: string, priority: number): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: name },
  };
}
