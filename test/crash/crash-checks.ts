import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Operation } from '../../core/model/operation.ts';
import type { Vm } from '../../core/model/vm.ts';
import type { Volume, VolumeSnapshot } from '../../core/model/volume.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { documentClientFor, idempotencyTableName } from '../../persistence/broker-table.ts';
import { CursorCodec } from '../../persistence/cursor.ts';
import { loadConfig } from '../../runtime/config.ts';
import { startEmbeddedDynamo } from '../../runtime/local/embedded-dynamo.ts';
import { loadQuotaDefaults } from '../../runtime/quota-config.ts';
import { createStores } from '../../runtime/stores.ts';

/** What the broker's store holds after a run (read with the broker stopped). */
export interface StoreContents {
  vms: Vm[];
  volumes: Volume[];
  snapshots: VolumeSnapshot[];
  operations: Operation[];
  /** Idempotency records by status (`INPROGRESS`, `COMPLETED`). */
  idempotency: Record<string, number>;
}

/** One simulated cloud resource carrying a broker id, as the sandbox's own files show it. */
export interface CloudThing {
  kind: 'server' | 'volume' | 'snapshot';
  targetId: string;
  id: string;
  brokerId: string;
  state: string;
}

/** Opens the data folder's store (the broker must have exited) and reads every record of the tenant. */
export async function readStore(dataDir: string, tenant: string): Promise<StoreContents> {
  const config = loadConfig({ DATA_DIR: dataDir });
  const embedded = await startEmbeddedDynamo(dataDir);
  const dynamo = new DynamoDBClient({
    endpoint: embedded.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
  });
  try {
    // Only reads: list cursors and the audit anchor are never used here.
    const readOnlyAnchor = { record: async () => {}, latest: async () => undefined };
    const stores = createStores(
      config,
      dynamo,
      { now: () => new Date() },
      new CursorCodec(randomBytes(32)),
      { anchor: readOnlyAnchor, log: silentLogger },
      loadQuotaDefaults(config.quotasFile),
    );
    const documents = documentClientFor(dynamo);
    const items = await scanAll(documents, config.tableName);
    const operations = items
      .filter((i) => String(i.sk).startsWith('OP#'))
      .map((i) => i.doc as Operation)
      .filter((op) => op.tenant === tenant);
    const vms = (await stores.vms.list(tenant, { includeDeleted: true }, { limit: 100 })).items;
    const volumes = (await stores.volumes.list(tenant, { includeDeleted: true }, { limit: 100 })).items;
    const snapshots: VolumeSnapshot[] = [];
    for (const volume of volumes)
      snapshots.push(...(await stores.snapshots.listByVolume(tenant, volume.id, { limit: 100 })).items);
    const idempotency: Record<string, number> = {};
    for (const record of await scanAll(documents, idempotencyTableName(config.tableName))) {
      const status = String(record.status ?? 'unknown');
      idempotency[status] = (idempotency[status] ?? 0) + 1;
    }
    return { vms, volumes, snapshots, operations, idempotency };
  } finally {
    dynamo.destroy();
    await embedded.close();
  }
}

async function scanAll(
  documents: ReturnType<typeof documentClientFor>,
  table: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

interface Pending {
  to: string;
  at: number;
  then?: Pending;
}

/** The state a simulated thing is in now (its file may lag: due transitions apply when next read). */
function stateNow(thing: { state: string; pending?: Pending }, now: number): string {
  let state = thing.state;
  let pending = thing.pending;
  while (pending && pending.at <= now) {
    state = pending.to;
    pending = pending.then;
  }
  return state;
}

/** Every live server, volume and snapshot carrying a broker id, on every sandbox target of the folder. */
export function readCloud(dataDir: string): CloudThing[] {
  const folder = join(dataDir, 'sandbox');
  const things: CloudThing[] = [];
  const now = Date.now();
  let files: string[] = [];
  try {
    files = readdirSync(folder).filter((f) => f.endsWith('.json'));
  } catch {
    return things;
  }
  for (const file of files) {
    const targetId = file.replace(/\.json$/, '');
    const data = JSON.parse(readFileSync(join(folder, file), 'utf8'));
    const kinds = [
      ['server', data.servers],
      ['volume', data.volumes],
      ['snapshot', data.snapshots],
    ] as const;
    for (const [kind, records] of kinds)
      for (const record of Object.values(
        (records ?? {}) as Record<
          string,
          { id: string; brokerId?: string; state: string; pending?: Pending }
        >,
      )) {
        const state = stateNow(record, now);
        if (record.brokerId && state !== 'deleted')
          things.push({ kind, targetId, id: record.id, brokerId: record.brokerId, state });
      }
  }
  return things;
}

export interface Findings {
  /** Live cloud resources whose broker record is missing, deleted, elsewhere or points at another resource. */
  orphans: string[];
  /** Broker ids with two live cloud resources; requests (one Idempotency-Key) with two records. */
  duplicates: string[];
  /** Operations not finished, and records still claimed by a finished or missing operation. */
  stuck: string[];
}

/** The invariants every run must end with, whatever the crash point. */
export function findViolations(store: StoreContents, cloud: CloudThing[]): Findings {
  const findings: Findings = { orphans: [], duplicates: [], stuck: [] };
  const vms = new Map(store.vms.map((v) => [v.id, v]));
  const volumes = new Map(store.volumes.map((v) => [v.id, v]));
  const snapshots = new Map(store.snapshots.map((s) => [s.id, s]));
  for (const thing of cloud) {
    const record =
      thing.kind === 'server'
        ? vms.get(thing.brokerId)
        : thing.kind === 'volume'
          ? volumes.get(thing.brokerId)
          : snapshots.get(thing.brokerId);
    const owned =
      record !== undefined &&
      record.status !== 'deleted' &&
      record.placement?.targetId === thing.targetId &&
      record.cloudId === thing.id;
    if (!owned)
      findings.orphans.push(
        `${thing.kind} ${thing.id} (${thing.state}) on ${thing.targetId} for ${thing.brokerId}: record ${
          record ? `${record.status}, cloudId ${record.cloudId ?? 'none'}` : 'missing'
        }`,
      );
  }
  const byBrokerId = new Map<string, CloudThing[]>();
  for (const thing of cloud)
    byBrokerId.set(thing.brokerId, [...(byBrokerId.get(thing.brokerId) ?? []), thing]);
  for (const [brokerId, things] of byBrokerId)
    if (things.length > 1)
      findings.duplicates.push(
        `${brokerId} has ${things.length} live cloud resources (${things.map((t) => t.id)})`,
      );
  const operations = new Map(store.operations.map((op) => [op.id, op]));
  for (const op of store.operations)
    if (op.status !== 'succeeded' && op.status !== 'failed')
      findings.stuck.push(`operation ${op.id} (${op.kind}) is ${op.status} at step ${op.step}`);
  const transitional = new Set([
    'pending',
    'building',
    'deleting',
    'resizing',
    'creating',
    'attaching',
    'detaching',
  ]);
  for (const record of [...store.vms, ...store.volumes, ...store.snapshots]) {
    if (!record.activeOperationId && transitional.has(record.status))
      findings.stuck.push(`${record.id} is ${record.status} with no operation to move it on`);
    if (!record.activeOperationId) continue;
    const op = operations.get(record.activeOperationId);
    if (!op || op.status === 'succeeded' || op.status === 'failed')
      findings.stuck.push(
        `${record.id} is ${record.status}, still claimed by ${op ? `finished ${op.kind}` : 'a missing operation'} ${record.activeOperationId}`,
      );
  }
  return findings;
}
