import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, TABLE_KEYS, TTL_ATTRIBUTE } from '../persistence/broker-table.ts';
import { testApp } from '../test/support/stacks/test-app.ts';
import { dev } from './config/dev.ts';
import { prod } from './config/prod.ts';

type GlobalTable = {
  TableName: string;
  KeySchema: unknown[];
  AttributeDefinitions: unknown[];
  GlobalSecondaryIndexes?: unknown[];
  Replicas: {
    Region: string;
    SSESpecification: { KMSMasterKeyId: string };
    DeletionProtectionEnabled: boolean;
    PointInTimeRecoverySpecification: unknown;
  }[];
  SSESpecification: unknown;
  TimeToLiveSpecification?: unknown;
};

function table(t: Template, name: string): GlobalTable {
  const found = Object.values(t.findResources('AWS::DynamoDB::GlobalTable')).find(
    (r) => (r as { Properties: GlobalTable }).Properties.TableName === name,
  ) as { Properties: GlobalTable } | undefined;
  if (!found) throw new Error(`no table ${name}`);
  return found.Properties;
}

describe('data stack (dev)', () => {
  let t: Template;
  let app: ReturnType<typeof testApp>;
  beforeAll(() => {
    app = testApp(dev);
    t = app.template(app.stacks.data);
  });

  it('lives in the primary region and deploys after every regional stack', () => {
    expect(app.stacks.data.region).toBe(dev.primaryRegion);
    expect(app.stacks.data.dependencies.map((s) => s.stackName).sort()).toEqual(
      app.stacks.regional.map((s) => s.stackName).sort(),
    );
  });

  it('declares the broker table with the keys persistence/broker-table.ts uses (a key change is a replacement)', () => {
    const broker = table(t, 'hcb-dev-broker');
    // Literal on purpose: changing TABLE_KEYS must fail here, not silently replace a live table.
    expect(broker.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(broker.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'gsi2',
        KeySchema: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    const local = createTableInput('hcb-dev-broker');
    expect(broker.KeySchema).toEqual(local.KeySchema);
    expect(broker.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
    expect(broker.AttributeDefinitions).toEqual(expect.arrayContaining(local.AttributeDefinitions!));
    expect(Object.keys(TABLE_KEYS.indexes)).toEqual(['gsi1', 'gsi2']);
    // Shared target health expires (persistence/target-health-store.ts).
    expect(broker.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('declares the idempotency table keyed by id, expiring on the TTL attribute', () => {
    const idempotency = table(t, 'hcb-dev-broker-idempotency');
    expect(idempotency.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(idempotency.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(TTL_ATTRIBUTE).toBe('expiration');
  });

  it.each(['hcb-dev-broker', 'hcb-dev-broker-idempotency'])(
    "%s: a replica per region, each with PITR, deletion protection and its region's customer-managed key",
    (name) => {
      const props = table(t, name);
      expect(props.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(props.Replicas.map((r) => r.Region).sort()).toEqual(dev.regions.map((r) => r.region).sort());
      for (const replica of props.Replicas) {
        expect(replica.DeletionProtectionEnabled).toBe(true);
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(replica.SSESpecification.KMSMasterKeyId).toBe(
          `arn:aws:kms:${replica.Region}:${dev.account}:alias/hcb/dev/data`,
        );
      }
    },
  );

  it('retains the tables, the backup key and the vault', () => {
    for (const type of ['AWS::DynamoDB::GlobalTable', 'AWS::KMS::Key', 'AWS::Backup::BackupVault'])
      for (const r of Object.values(t.findResources(type))) {
        expect(r.DeletionPolicy).toBe('Retain');
        expect(r.UpdateReplacePolicy).toBe('Retain');
      }
  });

  it('backs the broker table up daily into a KMS-encrypted, locked vault', () => {
    t.hasResourceProperties('AWS::Backup::BackupVault', {
      EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BackupKey'), 'Arn'] },
      LockConfiguration: { MinRetentionDays: 7 },
    });
    t.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [Match.objectLike({ Lifecycle: { DeleteAfterDays: dev.backup.retentionDays } })],
      },
    });
    t.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        Resources: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^BrokerTable'), 'Arn'] }],
      }),
    });
  });

  it('prod: primary us-east-2, replica in us-west-2', () => {
    const p = testApp(prod);
    const props = table(p.template(p.stacks.data), 'hcb-prod-broker');
    expect(p.stacks.data.region).toBe('us-east-2');
    expect(props.Replicas.map((r) => r.Region).sort()).toEqual(['us-east-2', 'us-west-2']);
  });
});
