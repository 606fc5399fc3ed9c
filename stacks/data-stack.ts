import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../persistence/broker-table.ts';
import type { StageConfig } from './config/stage-config.ts';
import { acknowledge, HIPAA } from './nag/acknowledge.ts';
import { names } from './naming.ts';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

const attributeType = { string: dynamodb.AttributeType.STRING } as const;

/**
 * The broker's state, global: the single table and the idempotency table as DynamoDB global tables
 * (TableV2) with a replica in every configured region, deployed in the primary region after every regional
 * stack (each replica is encrypted with its region's `data` key, found by alias). Point-in-time recovery,
 * deletion protection, retained on stack deletion, and a daily AWS Backup of the broker table into a
 * KMS-encrypted, locked vault.
 */
export class DataStack extends Stack {
  readonly table: dynamodb.TableV2;
  readonly idempotencyTable: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const replicaRegions = config.regions.map((r) => r.region).filter((r) => r !== this.region);
    const keyAliasArn = (region: string) =>
      this.formatArn({
        service: 'kms',
        region,
        resource: 'alias',
        resourceName: names.dataKeyAlias(config).replace(/^alias\//, ''),
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    // Region → that region's data key; the keys are created (with their alias) by the regional stacks.
    const primaryKey = kms.Key.fromKeyArn(this, 'DataKey', keyAliasArn(this.region));
    const encryption = () =>
      dynamodb.TableEncryptionV2.customerManagedKey(
        primaryKey,
        Object.fromEntries(replicaRegions.map((r) => [r, keyAliasArn(r)])),
      );
    const common = {
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      replicas: replicaRegions.map((region) => ({ region })),
    } satisfies Partial<dynamodb.TablePropsV2>;

    const { partitionKey, sortKey, indexes } = TABLE_KEYS;
    this.table = new dynamodb.TableV2(this, 'BrokerTable', {
      ...common,
      tableName: names.tableName(config),
      partitionKey: { name: partitionKey.name, type: attributeType[partitionKey.type] },
      sortKey: { name: sortKey.name, type: attributeType[sortKey.type] },
      globalSecondaryIndexes: Object.entries(indexes).map(([indexName, index]) => ({
        indexName,
        partitionKey: { name: index.partitionKey.name, type: attributeType[index.partitionKey.type] },
        sortKey: { name: index.sortKey.name, type: attributeType[index.sortKey.type] },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
      // Short-lived items (shared target health) carry an expiry; readers check it too, TTL tidies up.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: encryption(),
    });

    this.idempotencyTable = new dynamodb.TableV2(this, 'IdempotencyTable', {
      ...common,
      tableName: names.idempotencyTableName(config),
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: encryption(),
    });

    // Daily backups of the broker table (the idempotency table holds only short-lived de-duplication records).
    const backupKey = new kms.Key(this, 'BackupKey', {
      description: `hcb ${config.stage}: AWS Backup vault`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const vault = new backup.BackupVault(this, 'BackupVault', {
      backupVaultName: `hcb-${config.stage}`,
      encryptionKey: backupKey,
      removalPolicy: RemovalPolicy.RETAIN,
      lockConfiguration: { minRetention: Duration.days(Math.min(7, config.backup.retentionDays)) },
    });
    const plan = new backup.BackupPlan(this, 'BackupPlan', {
      backupPlanName: `hcb-${config.stage}`,
      backupVault: vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'daily',
          scheduleExpression: events.Schedule.cron({ hour: '5', minute: '0' }),
          deleteAfter: Duration.days(config.backup.retentionDays),
        }),
      ],
    });
    const selection = plan.addSelection('Tables', {
      resources: [backup.BackupResource.fromArn(this.table.tableArn)],
    });
    acknowledge(
      selection,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      HIPAA.dataBackup,
      'AWS Backup assumes this role to snapshot the table; the AWS-managed backup policy is the documented, AWS-maintained permission set for the service.',
    );

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'IdempotencyTableName', { value: this.idempotencyTable.tableName });
  }
}
