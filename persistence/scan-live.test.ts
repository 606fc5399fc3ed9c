import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vm } from '../core/model/vm.ts';
import type { Volume } from '../core/model/volume.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../runtime/local/embedded-dynamo.ts';
import { createBrokerTable, documentClientFor, ensureTables } from './broker-table.ts';
import { CursorCodec } from './cursor.ts';
import { VmStore } from './vm-store.ts';
import { VolumeStore } from './volume-store.ts';

const at = '2026-01-01T00:00:00.000Z';
const vm = (id: string, tenant: string, status: Vm['status'] = 'active'): Vm => ({
  id,
  tenant,
  name: `n-${id}`,
  size: 'small',
  image: 'ubuntu-24.04',
  classification: 'phi',
  tags: { team: 'a' },
  status,
  placement: { targetId: 't1', cloud: 'sandbox', region: 'north', site: 'onprem' },
  cloudId: `srv-${id}`,
  addresses: ['10.0.0.1'],
  operationId: `op-${id}`,
  createdAt: at,
  updatedAt: at,
});

/** `scanLive`: the reconciler's one read of the records per pass. */
describe('scanLive', () => {
  let dynamo: EmbeddedDynamo;
  let client: DynamoDBClient;
  let vms: VmStore;
  let volumes: VolumeStore;
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo(undefined);
    client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTables(client, 'scan-live-test');
    const table = createBrokerTable('scan-live-test', documentClientFor(client));
    const cursors = new CursorCodec(Buffer.alloc(32, 3));
    vms = new VmStore(table, cursors);
    volumes = new VolumeStore(table, cursors);
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it('yields every live record of its kind across tenants, as the domain object, and nothing else', async () => {
    const live = Array.from({ length: 30 }, (_, i) =>
      vm(`vm-${String(i).padStart(3, '0')}`, `tenant-${i % 4}`),
    );
    for (const v of live) await vms.create(v);
    await vms.create(vm('vm-gone', 'tenant-0', 'deleted'));
    const volume: Volume = {
      id: 'vol-1',
      tenant: 'tenant-0',
      name: 'disk',
      sizeGiB: 1,
      classification: 'phi',
      tags: {},
      status: 'available',
      operationId: 'op-vol',
      createdAt: at,
      updatedAt: at,
    };
    await volumes.create(volume);

    const scanned: Vm[] = [];
    for await (const v of vms.scanLive()) scanned.push(v);
    expect(scanned.sort((a, b) => a.id.localeCompare(b.id))).toEqual(live);
    // Small pages read the same records.
    let paged = 0;
    for await (const _ of vms.scanLive(7)) paged += 1;
    expect(paged).toBe(30);
    const scannedVolumes: Volume[] = [];
    for await (const v of volumes.scanLive()) scannedVolumes.push(v);
    expect(scannedVolumes).toEqual([volume]);
  });
});
