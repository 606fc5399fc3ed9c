import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config.ts';
import { acknowledge, HIPAA } from '../nag/acknowledge.ts';
import { names } from '../naming.ts';
import type { BrokerFunction } from './broker-function.ts';

export interface AuditIntegrityProps {
  readonly config: StageConfig;
  /** Encrypts the anchored heads (with S3 bucket keys). */
  readonly dataKey: kms.IKey;
  /** Encrypts the key-digest secret. */
  readonly secretsKey: kms.IKey;
}

/**
 * What keeps this region's audit chain honest beyond its table: an S3 bucket with Object Lock in
 * compliance mode holding one write-once object per chain head (deleting the newest records from the
 * table no longer goes unnoticed, and no one — root included — can delete or overwrite a head before its
 * retention ends), and the secret object keys are HMAC'd under before they reach the audit trail.
 *
 * Why S3 Object Lock rather than a CloudWatch Logs stream: log events cannot be edited, but a log stream
 * or group can be deleted by anyone allowed `logs:DeleteLogStream`, and retention settings expire them;
 * compliance-mode Object Lock makes each head undeletable for a fixed period whatever the IAM policy,
 * and the newest head is one ListObjectsV2 call away.
 */
export class AuditIntegrity extends Construct {
  readonly anchorBucket: s3.Bucket;
  readonly keySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: AuditIntegrityProps) {
    super(scope, id);
    this.anchorBucket = new s3.Bucket(this, 'AnchorBucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
        Duration.days(props.config.audit.anchorRetentionDays),
      ),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const rule of ['AwsSolutions-S1', 'HIPAA.Security-S3BucketLoggingEnabled'])
      acknowledge(
        this.anchorBucket,
        rule,
        HIPAA.auditControls,
        'the bucket holds only audit chain heads (sequence numbers and hashes, no PHI), written once by the API role and immutable under compliance-mode Object Lock; its reads are audit verification itself. Access logs would add no evidence that the heads cannot already give.',
      );
    acknowledge(
      this.anchorBucket,
      'HIPAA.Security-S3BucketReplicationEnabled',
      HIPAA.integrity,
      "each region anchors its own chain; the chain itself lives in the global table (replicated, point-in-time recovery). Losing a region's anchor loses truncation evidence for that region, not audit records.",
    );

    // HMAC key for object keys in presign audit records; generated once, never leaves Secrets Manager.
    this.keySecret = new secretsmanager.Secret(this, 'KeyDigestSecret', {
      secretName: `${names.project}/${props.config.stage}/audit-key-digest`,
      description: 'Secret the broker HMACs object keys under before they reach the audit trail.',
      encryptionKey: props.secretsKey,
      removalPolicy: RemovalPolicy.RETAIN,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    for (const rule of ['AwsSolutions-SMG4', 'HIPAA.Security-SecretsManagerRotationEnabled'])
      acknowledge(
        this.keySecret,
        rule,
        HIPAA.integrity,
        'the digests of the same object key must stay comparable across the audit trail; rotating the key would make earlier records uncorrelatable. It authenticates nothing and grants no access.',
      );
  }

  /** The broker's environment for these (every function builds the same broker). */
  get environment(): Record<string, string> {
    return {
      HCB_AUDIT_ANCHOR: `s3://${this.anchorBucket.bucketName}`,
      HCB_AUDIT_KEY_SECRET: `secretsmanager:${this.keySecret.secretArn}`,
    };
  }

  /** The API appends audit records: it writes heads, lists them to verify, and reads the digest secret. */
  grantAppend(f: BrokerFunction, dataKey: kms.IKey): void {
    const region = Stack.of(f).region;
    f.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuditAnchorWrite',
        actions: ['s3:PutObject'],
        resources: [this.anchorBucket.arnForObjects('*')],
      }),
    );
    f.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuditAnchorList',
        actions: ['s3:ListBucket'],
        resources: [this.anchorBucket.bucketArn],
      }),
    );
    f.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuditAnchorKey',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [dataKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
      }),
    );
    this.keySecret.grantRead(f.role);
    const stack = Stack.of(this);
    const bucketId = stack.resolve(stack.getLogicalId(this.anchorBucket.node.defaultChild as s3.CfnBucket));
    acknowledge(
      f.role,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      HIPAA.informationAccess,
      'one object per audit chain head, named by the head, so the writer cannot be scoped to keys known in advance; the grant is PutObject only (no delete, no retention change) on the anchor bucket alone.',
    );
  }
}
