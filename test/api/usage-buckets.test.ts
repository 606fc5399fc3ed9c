import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/ports/clock.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

const MIB = 1024 * 1024;
const HOUR = 3_600_000;

/**
 * Object storage GiB-hours come from the store's own size report, sampled by the reconciler: 1 MiB held
 * for 1,024 hours is exactly 1 GiB-hour; after a delete, nothing more.
 */
describe('object storage usage, sampled by the reconciler', () => {
  let now = Date.parse('2026-11-03T00:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  let h: Harness;
  let app: string;
  let operator: string;
  let bucketId: string;
  const t0 = '2026-11-03T00:01:00.000Z';

  const reconcile = async () => {
    const reply = await h.call('POST', '/v1/admin/reconcile', { token: operator, body: {} });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.errors).toBe(0);
  };
  const usage = async (from: string, to: string) => {
    const reply = await h.call('GET', `/v1/usage?from=${from}&to=${to}&groupBy=resource`, { token: app });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  };

  beforeAll(async () => {
    h = await startHarness({ clock });
    app = await h.token('usage-buckets', ['app']);
    operator = await h.token('platform', ['operator']);
    const created = await h.call('POST', '/v1/buckets', {
      token: app,
      body: { name: 'scans', classification: 'phi' },
    });
    expect(created.status, created.text).toBe(202);
    bucketId = created.body.bucket.id;
    expect((await h.settle(app, created.body.operation.id)).status).toBe('succeeded');
    const put = await h.call('POST', `/v1/buckets/${bucketId}/presign`, {
      token: app,
      body: { key: 'scan-1', method: 'PUT', expiresInSeconds: 120 },
    });
    expect(put.status, put.text).toBe(200);
    const stored = await fetch(put.body.url, {
      method: 'PUT',
      body: Buffer.alloc(MIB, 7),
      headers: put.body.headers,
    });
    expect(stored.status).toBe(201);
    now += 60_000;
    await reconcile(); // samples 1 MiB at t0
  }, 30_000);
  afterAll(() => h?.close());

  it('counts the sampled size from the sample on', async () => {
    now += 1024 * HOUR;
    await reconcile(); // unchanged size: no new record
    const end = new Date(Date.parse(t0) + 1024 * HOUR).toISOString();
    const report = await usage(t0, end);
    expect(report.groups).toEqual([
      {
        key: bucketId,
        vcpuHours: 0,
        ramGiBHours: 0,
        volumeGiBHours: 0,
        instanceHours: 0,
        objectGiBHours: 1,
        cost: 0.00003, // policies/rates.yaml: onprem objectGiBHour
      },
    ]);
    // Before the sample the bucket held nothing.
    expect((await usage('2026-11-03T00:00:00Z', t0)).groups[0].objectGiBHours).toBe(0);
    const records = await h.broker.stores.usageRecords.listBefore('usage-buckets', '2030-01-01T00:00:00Z');
    expect(records.map((r) => [r.at, r.bytes, r.sampled ?? false]).sort()).toEqual([
      ['2026-11-03T00:00:00.000Z', 0, false],
      [t0, MIB, true],
    ]);
  });

  it('stops counting when the bucket is deleted, whatever a later pass samples', async () => {
    const deleted = await h.call('DELETE', `/v1/buckets/${bucketId}?force=true`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id)).status).toBe('succeeded');
    now += 100 * HOUR;
    await reconcile();
    const end = new Date(now).toISOString();
    const report = await usage(t0, end);
    expect(report.groups[0].objectGiBHours).toBe(1);
  });
});
