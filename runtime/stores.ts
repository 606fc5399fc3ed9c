import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../core/ports/clock.ts';
import { AuditStore } from '../persistence/audit-store.ts';
import { createBrokerTable, documentClientFor } from '../persistence/broker-table.ts';
import { BucketStore } from '../persistence/bucket-store.ts';
import { ImageStore } from '../persistence/image-store.ts';
import { KeyBindingStore } from '../persistence/key-binding-store.ts';
import { LinkStore } from '../persistence/link-store.ts';
import { OperationStore } from '../persistence/operation-store.ts';
import { VmStore } from '../persistence/vm-store.ts';
import { SnapshotStore, VolumeStore } from '../persistence/volume-store.ts';
import type { BrokerConfig } from './config.ts';

export type BrokerStores = ReturnType<typeof createStores>;

/** Every repository, on the one broker table. */
export function createStores(config: BrokerConfig, dynamo: DynamoDBClient, clock: Clock) {
  const table = createBrokerTable(config.tableName, documentClientFor(dynamo));
  return {
    vms: new VmStore(table),
    volumes: new VolumeStore(table),
    snapshots: new SnapshotStore(table),
    buckets: new BucketStore(table),
    links: new LinkStore(table),
    images: new ImageStore(table),
    operations: new OperationStore(table),
    audit: new AuditStore(table, config.auditChain, clock),
    bindings: new KeyBindingStore(table),
  };
}
