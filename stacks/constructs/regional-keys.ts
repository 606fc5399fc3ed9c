import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface RegionalKeysProps {
  /** Alias of the key that encrypts this region's replica of the global tables (found by alias). */
  readonly dataKeyAlias: string;
  readonly stage: string;
}

/**
 * The customer-managed KMS keys of one region, one per purpose so a key policy names exactly the services
 * that use it. All rotate yearly and are retained when the stack goes (data encrypted under a deleted key
 * is lost). Their logical ids are pinned by tests: replacing a key re-encrypts nothing and orphans data.
 */
export class RegionalKeys extends Construct {
  /** DynamoDB: this region's replica of the broker and idempotency tables. */
  readonly data: kms.Key;
  /** CloudWatch Logs: function, API access and VPC flow logs. */
  readonly logs: kms.Key;
  /** SQS queues and the alarm SNS topic. */
  readonly messaging: kms.Key;
  /** Secrets Manager: the OpenStack application credentials. */
  readonly secrets: kms.Key;

  constructor(scope: Construct, id: string, props: RegionalKeysProps) {
    super(scope, id);
    const key = (keyId: string, description: string, alias?: string) =>
      new kms.Key(this, keyId, {
        description: `hcb ${props.stage}: ${description}`,
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
        ...(alias ? { alias } : {}),
      });

    this.data = key('DataKey', 'DynamoDB global table replicas in this region', props.dataKeyAlias);
    this.logs = key('LogsKey', 'CloudWatch Logs (functions, API access, VPC flow logs)');
    this.messaging = key('MessagingKey', 'SQS operation queues and the alarm topic');
    this.secrets = key('SecretsKey', 'Secrets Manager (OpenStack application credentials)');

    // CloudWatch Logs encrypts with the key only for log groups of this account and region.
    this.logs.addToResourcePolicy(
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
    // CloudWatch alarms publish to the encrypted SNS topic.
    this.messaging.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }
}
