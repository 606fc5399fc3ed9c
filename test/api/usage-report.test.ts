import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/ports/clock.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** The broker's clock, moved by the test: every usage record is stamped with it. */
class TestClock implements Clock {
  #now: number;
  constructor(start: string) {
    this.#now = Date.parse(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(hms: string): void {
    const [h, m, s] = hms.split(':').map(Number);
    this.#now += ((h! * 60 + m!) * 60 + s!) * 1000;
  }
}

const FROM = '2026-11-02T08:00:00Z';
const TO = '2026-11-02T12:00:00Z';
const window = `from=${FROM}&to=${TO}`;

/**
 * The shipped app on the sandbox, its clock driven by the test through a known schedule:
 *   08:00:00 VM (medium: 2 vCPU, 4 GiB, 40 GiB disk) created, active; volume (100 GiB) created
 *   09:30:00 volume deleted
 *   10:00:00 VM stopped
 *   10:30:00 VM started
 *   11:30:00 VM resized to large (4 vCPU, 8 GiB, 80 GiB disk)
 *   11:45:07 VM deleted
 * and the report for 08:00–12:00 compared with the hours worked out by hand, to the second.
 */
describe('usage metering on the shipped app, with a test clock', () => {
  const clock = new TestClock(FROM);
  let h: Harness;
  let app: string;
  let vmId: string;
  let volumeId: string;

  const act = async (method: string, path: string, body?: unknown) => {
    const reply = await h.call(method, path, { token: app, ...(body === undefined ? {} : { body }) });
    expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(202);
    const op = await h.settle(app, reply.body.operation.id);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    return reply.body;
  };

  beforeAll(async () => {
    h = await startHarness({ clock });
    app = await h.token('usage-a', ['app']);
    const vm = await act('POST', '/v1/vms', {
      name: 'metered',
      size: 'medium',
      image: 'ubuntu-24.04',
      classification: 'phi',
    });
    vmId = vm.vm.id;
    const volume = await act('POST', '/v1/volumes', { name: 'data', sizeGiB: 100, classification: 'phi' });
    volumeId = volume.volume.id;
    clock.advance('01:30:00');
    await act('DELETE', `/v1/volumes/${volumeId}`);
    clock.advance('00:30:00');
    await act('POST', `/v1/vms/${vmId}/actions`, { type: 'stop' });
    clock.advance('00:30:00');
    await act('POST', `/v1/vms/${vmId}/actions`, { type: 'start' });
    clock.advance('01:00:00');
    await act('POST', `/v1/vms/${vmId}/actions`, { type: 'resize', size: 'large' });
    clock.advance('00:15:07');
    await act('DELETE', `/v1/vms/${vmId}`);
    clock.advance('00:14:53');
  }, 60_000);
  afterAll(() => h?.close());

  it('reports the hand-computed hours per resource, to the second', async () => {
    const reply = await h.call('GET', `/v1/usage?${window}&groupBy=resource`, { token: app });
    expect(reply.status, reply.text).toBe(200);
    const byKey = Object.fromEntries(reply.body.groups.map((g: { key: string }) => [g.key, g]));
    // VM: medium running 08:00–10:00 and 10:30–11:30 (3 h), stopped 10:00–10:30 (disk only), large
    // running 11:30:00–11:45:07 (907 s).
    expect(byKey[vmId]).toMatchObject({
      vcpuHours: 7.007778, // 2 × 3 h + 4 × 907 s = 25,228 vCPU-seconds
      ramGiBHours: 14.015556, // 4 × 3 h + 8 × 907 s = 50,456 GiB-seconds
      instanceHours: 3.251944, // 11,707 s
      volumeGiBHours: 160.155556, // 40 × 3.5 h + 80 × 907 s = 576,560 GiB-seconds
      objectGiBHours: 0,
    });
    // Volume: 100 GiB for 1.5 h; no vCPU, RAM or instance hours.
    expect(byKey[volumeId]).toMatchObject({
      vcpuHours: 0,
      ramGiBHours: 0,
      instanceHours: 0,
      volumeGiBHours: 150,
    });
    expect(reply.body.groups).toHaveLength(2);
  });

  it('groups by size, site and classification, and prices with the shipped rate card', async () => {
    const bySize = await h.call('GET', `/v1/usage?${window}&groupBy=size`, { token: app });
    expect(bySize.body.groups.map((g: { key: string; vcpuHours: number }) => [g.key, g.vcpuHours])).toEqual([
      ['large', 1.007778],
      ['medium', 6],
      ['volume', 0],
    ]);
    const bySite = await h.call('GET', `/v1/usage?${window}&groupBy=site`, { token: app });
    expect(bySite.body.groups.map((g: { key: string }) => g.key)).toEqual(['onprem']);
    expect(bySite.body.currency).toBe('USD');
    // policies/rates.yaml, onprem: 0.018 per vCPU-hour, 0.0025 per GiB-hour of RAM, 0.00012 per
    // volume GiB-hour, 0.005 per instance-hour; in seconds of each unit from the schedule above.
    const seconds = { vcpu: 25_228, ram: 50_456, volume: 576_560 + 540_000, instance: 11_707 };
    const cost =
      (seconds.vcpu * 0.018 + seconds.ram * 0.0025 + seconds.volume * 0.00012 + seconds.instance * 0.005) /
      3600;
    expect(bySite.body.total.cost).toBe(Number(cost.toFixed(6)));
    const byClass = await h.call('GET', `/v1/usage?${window}&groupBy=classification`, { token: app });
    expect(byClass.body.groups.map((g: { key: string }) => g.key)).toEqual(['phi']);
  });

  it('answers the same report as CSV', async () => {
    const reply = await h.call('GET', `/v1/usage?${window}&groupBy=resource`, {
      token: app,
      headers: { accept: 'text/csv' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = reply.text.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'resource,vcpuHours,ramGiBHours,volumeGiBHours,instanceHours,objectGiBHours,cost,currency',
    );
    expect(rows).toContain(`${vmId},7.007778,14.015556,160.155556,3.251944,0,${rowCost(rows, vmId)},USD`);
    expect(rows.at(-1)).toMatch(/^total,7\.007778,14\.015556,310\.155556,3\.251944,0,/);
  });

  it('wrote one record per state change, and a retried write changes nothing', async () => {
    const records = await h.broker.stores.usageRecords.listBefore('usage-a', '2027-01-01T00:00:00Z');
    expect(records.filter((r) => r.resourceId === vmId).map((r) => [r.at, r.state, r.size])).toEqual(
      [
        ['2026-11-02T08:00:00.000Z', 'running', 'medium'],
        ['2026-11-02T10:00:00.000Z', 'stopped', 'medium'],
        ['2026-11-02T10:30:00.000Z', 'running', 'medium'],
        ['2026-11-02T11:30:00.000Z', 'running', 'large'],
        ['2026-11-02T11:45:07.000Z', 'gone', 'large'],
      ].sort(),
    );
    const first = records.find((r) => r.resourceId === vmId && r.state === 'stopped')!;
    const again = await h.broker.stores.usageRecords.append({ ...first, at: '2026-11-02T10:20:00.000Z' });
    expect(again).toBe(false);
    const after = await h.broker.stores.usageRecords.listBefore('usage-a', '2027-01-01T00:00:00Z');
    expect(after.find((r) => r.id === first.id)?.at).toBe(first.at);
    expect(after).toHaveLength(records.length);
  });

  it('is tenant-scoped: another tenant sees nothing, and cannot name this one', async () => {
    const other = await h.token('usage-b', ['admin']);
    const own = await h.call('GET', `/v1/usage?${window}`, { token: other });
    expect(own.status).toBe(200);
    expect(own.body.groups).toEqual([]);
    expect(own.body.total.vcpuHours).toBe(0);
    for (const roles of [['app'], ['admin'], ['auditor']] as const) {
      const token = await h.token('usage-b', [...roles]);
      const named = await h.call('GET', `/v1/usage?${window}&tenant=usage-a`, { token });
      expect(named.status, roles.join()).toBe(403);
      expect(named.headers.get('content-type')).toMatch(/problem\+json/);
      const all = await h.call('GET', `/v1/usage/all?${window}`, { token });
      expect(all.status, roles.join()).toBe(403);
    }
  });

  it('lets an operator read any tenant, or all of them', async () => {
    const operator = await h.token('platform', ['operator']);
    const named = await h.call('GET', `/v1/usage?${window}&tenant=usage-a`, { token: operator });
    expect(named.status).toBe(200);
    expect(named.body.total.vcpuHours).toBe(7.007778);
    const all = await h.call('GET', `/v1/usage/all?${window}`, { token: operator });
    expect(all.status).toBe(200);
    expect(all.body.groupBy).toBe('tenant');
    expect(all.body.groups.map((g: { key: string; vcpuHours: number }) => [g.key, g.vcpuHours])).toEqual([
      ['usage-a', 7.007778],
    ]);
  });

  it('without a window, reports the current calendar month up to now', async () => {
    const reply = await h.call('GET', '/v1/usage', { token: app });
    expect(reply.status).toBe(200);
    expect([reply.body.from, reply.body.to]).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
    ]);
    expect(reply.body.total.vcpuHours).toBe(7.007778);
  });

  it('prints the monthly report with `hcb report usage`, as a table or CSV', async () => {
    const hcb = (...args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [resolve(import.meta.dirname, '../../bin/hcb.js'), 'report', 'usage', ...args],
        { env: { ...process.env, DATA_DIR: h.dataDir, HCB_TOKEN: '' } },
      );
    const common = ['--tenant', 'usage-a', '--month', '2026-11', '--url', h.base];
    const table = (await hcb(...common)).stdout;
    expect(table).toContain('usage of usage-a, 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z');
    const north = table.split('\n').find((l) => l.startsWith('sandbox-onprem-north'))!;
    // vCPU-h, RAM GiB-h, volume GiB-h (VM disk and volume), instance-h, object GiB-h, cost.
    expect(north.split(/\s+/).slice(1, 6)).toEqual(['7.008', '14.016', '310.156', '3.252', '0.000']);
    const out = join(h.dataDir, 'usage.csv');
    await hcb(...common, '--csv', '--out', out);
    const csv = readFileSync(out, 'utf8').split('\r\n');
    expect(csv[0]).toBe(
      'target,vcpuHours,ramGiBHours,volumeGiBHours,instanceHours,objectGiBHours,cost,currency',
    );
    expect(csv[1]).toMatch(/^sandbox-onprem-north,7\.007778,14\.015556,310\.155556,3\.251944,0,[\d.]+,USD$/);
    await expect(hcb('--tenant', 'usage-a', '--month', '2026-13')).rejects.toMatchObject({ code: 2 });
  });

  it('refuses a malformed bound with a 400 and a well-formed but impossible window with a 422', async () => {
    const cases = [
      ['from=yesterday&to=2026-11-02T12:00:00Z', 'query.from', 400],
      [`from=${FROM}&to=2026-11-02T25:00:00Z`, 'query.to', 400],
      [`${window}&groupBy=tenant`, 'query.groupBy', 400],
      [`${window}&groupBy=colour`, 'query.groupBy', 400],
      [`from=${TO}&to=${FROM}`, 'query.to', 422],
      [`from=${FROM}&to=${FROM}`, 'query.to', 422],
      ['from=2025-01-01T00:00:00Z&to=2026-11-02T00:00:00Z', 'query.to', 422],
      [`to=${TO}`, 'query.from', 422],
      [`from=${FROM}`, 'query.to', 422],
    ] as const;
    for (const [query, field, status] of cases) {
      const reply = await h.call('GET', `/v1/usage?${query}`, { token: app });
      expect(reply.status, query).toBe(status);
      expect(reply.headers.get('content-type')).toMatch(/problem\+json/);
      expect(
        reply.body.errors.map((e: { field: string }) => e.field),
        query,
      ).toEqual([field]);
    }
    // A year and a day is the longest window; one more second is too long.
    const longest = await h.call('GET', '/v1/usage?from=2025-11-01T00:00:00Z&to=2026-11-03T00:00:00Z', {
      token: app,
    });
    expect(longest.status).toBe(200);
    const over = await h.call('GET', '/v1/usage?from=2025-11-01T00:00:00Z&to=2026-11-03T00:00:01Z', {
      token: app,
    });
    expect(over.status).toBe(422);
  });
});

function rowCost(rows: string[], key: string): string {
  return rows.find((r) => r.startsWith(`${key},`))!.split(',')[6]!;
}
