import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Clock } from '../../core/ports/clock.ts';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import { waitFor } from '../support/wait-for.ts';
import { OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

const HOUR = 3_600_000;
const MIB = 1024 * 1024;

/** The real OpenStack as the preferred on-prem target, next to the simulated ones. */
function catalogue(): string {
  const { kinds: _kinds, ...entry } = openstackTarget({
    id: 'openstack-usage',
    ranking: { preference: 30, costPerVcpuHour: 0.03 },
  });
  const openstack = stringify([entry], { indent: 2 })
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-usage-')), 'targets.yaml');
  writeFileSync(file, readFileSync(FAST_TARGETS, 'utf8').replace('targets:\n', `targets:\n${openstack}\n`));
  return file;
}

/**
 * Usage on real Nova and Swift, the broker's clock driven by the test: a VM's hours from its create, stop
 * and delete, and a container's GiB-hours from Swift's own `X-Container-Bytes-Used`.
 */
describe('usage metering on a real OpenStack target', () => {
  // Real services sign and expire with real time (TempURLs, tokens): the test clock starts at now.
  let now = Math.floor(Date.now() / 1000) * 1000;
  const start = now;
  const clock: Clock = { now: () => new Date(now) };
  const at = (ms: number) => new Date(start + ms).toISOString();
  let h: Harness;
  let app: string;
  let operator: string;

  const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await h.settle(app, reply.body.operation.id, 300_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    return op;
  };
  const usage = async (from: string, to: string) => {
    const reply = await h.call('GET', `/v1/usage?from=${from}&to=${to}&groupBy=resource`, { token: app });
    expect(reply.status, reply.text).toBe(200);
    return Object.fromEntries(reply.body.groups.map((g: { key: string }) => [g.key, g]));
  };

  beforeAll(async () => {
    h = await startHarness({ targetsFile: catalogue(), clock });
    app = await h.token('usage-os', ['app']);
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h?.close());

  it('counts a Nova server: running, then stopped (disk only), then gone', async () => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'metered', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
    });
    expect(created.body.vm.placement.targetId).toBe('openstack-usage');
    const vmId = created.body.vm.id;
    await settle(created); // active at start
    now = start + 2 * HOUR;
    await settle(await h.call('POST', `/v1/vms/${vmId}/actions`, { token: app, body: { type: 'stop' } }));
    now = start + 3 * HOUR + 17_000;
    await settle(await h.call('DELETE', `/v1/vms/${vmId}`, { token: app }));
    now = start + 4 * HOUR;
    // small: 1 vCPU, 2 GiB, 20 GiB disk. Running 2 h; stopped 1 h 17 s; disk 3 h 17 s.
    expect((await usage(at(0), at(4 * HOUR)))[vmId]).toMatchObject({
      vcpuHours: 2,
      ramGiBHours: 4,
      instanceHours: 2,
      volumeGiBHours: 60.094444, // 20 × 10,817 s
    });
  }, 600_000);

  it("counts a Swift container's bytes as Swift reports them, sampled by the reconciler", async () => {
    const created = await h.call('POST', '/v1/buckets', {
      token: app,
      body: { name: 'scans', classification: 'phi' },
    });
    expect(created.body.bucket.placement.targetId).toBe('openstack-usage');
    const bucketId = created.body.bucket.id;
    await settle(created);
    const put = await h.call('POST', `/v1/buckets/${bucketId}/presign`, {
      token: app,
      body: { key: 'study/1.dcm', method: 'PUT', expiresInSeconds: 300 },
    });
    const stored = await fetch(put.body.url, {
      method: 'PUT',
      body: Buffer.alloc(MIB, 3),
      headers: put.body.headers,
    });
    expect(stored.status).toBe(201);
    const swift = h.broker.providers.get('openstack-usage').objectStorage;
    await waitFor(
      () => swift.getBucket(`hcb-${bucketId}`),
      (c) => c.bytesUsed === MIB,
      { timeoutMs: 30_000, what: 'Swift to count the object' },
    );
    now = start + 5 * HOUR;
    const pass = await h.call('POST', '/v1/admin/reconcile', { token: operator, body: {} });
    expect(pass.status, pass.text).toBe(200);
    now = start + 5 * HOUR + 1024 * HOUR;
    // 1 MiB for 1,024 hours = 1 GiB-hour; before the sample, the empty container counted nothing.
    expect((await usage(at(4 * HOUR), at(5 * HOUR + 1024 * HOUR)))[bucketId]).toMatchObject({
      objectGiBHours: 1,
      volumeGiBHours: 0,
    });
    now = start + 5 * HOUR + 1024 * HOUR;
    await settle(await h.call('DELETE', `/v1/buckets/${bucketId}?force=true`, { token: app }));
  }, 300_000);
});
