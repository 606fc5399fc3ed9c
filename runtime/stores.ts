import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditAnchor } from '../core/ports/audit-log.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { QuotaLimits } from '../core/ports/quota-ledger.ts';
import { AuditStore } from '../persistence/audit-store.ts';
import { BackupPolicyStore } from '../persistence/backup-policy-store.ts';
import { createBrokerTable, documentClientFor } from '../persistence/broker-table.ts';
import { BucketStore } from '../persistence/bucket-store.ts';
import type { CursorCodec } from '../persistence/cursor.ts';
import { EventLogStore } from '../persistence/event-log-store.ts';
import { ImageStore } from '../persistence/image-store.ts';
import { KeyBindingStore } from '../persistence/key-binding-store.ts';
import { LinkStore } from '../persistence/link-store.ts';
import { NetworkStore } from '../persistence/network-store.ts';
import { OperationStore } from '../persistence/operation-store.ts';
import { QuotaStore } from '../persistence/quota-store.ts';
import { TargetHealthDynamoStore } from '../persistence/target-health-store.ts';
import { UsageStore } from '../persistence/usage-store.ts';
import { VmStore } from '../persistence/vm-store.ts';
import { SnapshotStore, VolumeStore } from '../persistence/volume-store.ts';
import { WebhookStore } from '../persistence/webhook-store.ts';
import type { BrokerConfig } from './config.ts';

export type BrokerStores = ReturnType<typeof createStores>;

/** Every repository, on the one broker table; list cursors signed with `cursors`. */
export function createStores(
  config: BrokerConfig,
  dynamo: DynamoDBClient,
  clock: Clock,
  cursors: CursorCodec,
  audit: { anchor: AuditAnchor; log: Logger },
  quotaDefaults: QuotaLimits,
) {
  const table = createBrokerTable(config.tableName, documentClientFor(dynamo));
  return {
    vms: new VmStore(table, cursors),
    volumes: new VolumeStore(table, cursors),
    snapshots: new SnapshotStore(table, cursors),
    buckets: new BucketStore(table, cursors),
    networks: new NetworkStore(table, cursors),
    links: new LinkStore(table, cursors),
    images: new ImageStore(table, cursors),
    operations: new OperationStore(table, cursors),
    audit: new AuditStore(table, config.auditChain, clock, cursors, audit.anchor, audit.log),
    targetHealth: new TargetHealthDynamoStore(table),
    bindings: new KeyBindingStore(table),
    usageRecords: new UsageStore(table),
    eventLog: new EventLogStore(table, { settleMs: config.events.settleMs }),
    webhooks: new WebhookStore(table, cursors),
    quotas: new QuotaStore(table, quotaDefaults, () => clock.now()),
    backupPolicies: new BackupPolicyStore(table, cursors),
  };
}
