import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_PROFILE, startBrokerUnderTest } from './broker-under-test.ts';
import type { BrokerUnderTest } from './spawned-broker.ts';

/**
 * The shipped broker over HTTP, default targets and timings, real timers: every lifecycle a client can
 * start ends, each in a bounded number of worker steps, and ten deletes at once all finish. Run twice: by
 * the `e2e` project against `npm start` (sandbox clouds), by the `serverless` project against the
 * synthesised Lambda bundles in the local serverless runtime (real OpenStack, the emulator's EC2).
 */
describe(`${BROKER_PROFILE.title}: every lifecycle ends`, () => {
  let b: BrokerUnderTest;
  let app: string;

  beforeAll(async () => {
    b = await startBrokerUnderTest();
    app = await b.token('e2e-life', 'app');
  }, BROKER_PROFILE.startupMs);
  afterAll(() => b?.stop());

  /** Step runs of every settled operation, by kind (checked at the end). */
  const runs: { kind: string; runs: number; polls: Record<string, number> }[] = [];
  /** The operation of a 202, settled: it must succeed. */
  const succeeds = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await b.settle(app, reply.body.operation.id, BROKER_PROFILE.settleMs);
    expect(op.status, JSON.stringify(op.error ?? op.steps)).toBe('succeeded');
    const steps: { name: string; attempts: number }[] = op.steps;
    runs.push({
      kind: op.kind,
      runs: steps.reduce((n, s) => n + s.attempts, 0),
      polls: Object.fromEntries(steps.map((s) => [s.name, s.attempts])),
    });
    return op;
  };
  const get = async (path: string) => {
    const reply = await b.call(app, 'GET', path);
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  };
  const createVm = (name: string, classification = 'internal', extra: Record<string, unknown> = {}) =>
    b.call(app, 'POST', '/v1/vms', { name, size: 'small', image: 'ubuntu-24.04', classification, ...extra });

  let vmId: string;
  let vmTarget: string;

  it('VM: create → active in a few polls; stop, start, reboot, resize', async () => {
    const created = await createVm('e2e-vm');
    await succeeds(created);
    vmId = created.body.vm.id;
    const vm = await get(`/v1/vms/${vmId}`);
    expect(vm.status).toBe('active');
    vmTarget = vm.placement.targetId;
    for (const [action, status] of [
      [{ type: 'stop' }, 'stopped'],
      [{ type: 'start' }, 'active'],
      [{ type: 'reboot' }, 'active'],
      [{ type: 'resize', size: 'medium' }, 'active'],
    ] as const) {
      await succeeds(await b.call(app, 'POST', `/v1/vms/${vmId}/actions`, action));
      expect((await get(`/v1/vms/${vmId}`)).status, JSON.stringify(action)).toBe(status);
    }
    expect((await get(`/v1/vms/${vmId}`)).size).toBe('medium');
  });

  it('image: VM snapshot → available image, copied to another target, both deleted', async () => {
    const op = await succeeds(
      await b.call(app, 'POST', `/v1/vms/${vmId}/actions`, { type: 'snapshot', name: 'e2e-image' }),
    );
    const imageId = op.result.imageId as string;
    expect((await get(`/v1/images/${imageId}`)).status).toBe('available');
    const elsewhere = (await get('/v1/targets')).items
      .filter((t: { site: string }) => t.site === 'public')
      .map((t: { id: string }) => t.id)
      .find((id: string) => id !== vmTarget);
    const copy = await b.call(app, 'POST', `/v1/images/${imageId}/copy`, { targetId: elsewhere });
    await succeeds(copy);
    const copied = await get(`/v1/images/${copy.body.image.id}`);
    expect(copied).toMatchObject({ status: 'available', placement: { targetId: elsewhere } });
    for (const id of [copied.id, imageId]) {
      await succeeds(await b.call(app, 'DELETE', `/v1/images/${id}`));
      expect((await get(`/v1/images/${id}`)).status).toBe('deleted');
    }
  });

  it('volume: create, attach, snapshot, detach; snapshot delete; volume delete', async () => {
    const created = await b.call(app, 'POST', '/v1/volumes', {
      name: 'e2e-disk',
      sizeGiB: 10,
      classification: 'internal',
      region: (await get(`/v1/vms/${vmId}`)).placement.region,
    });
    await succeeds(created);
    const volumeId = created.body.volume.id;
    expect((await get(`/v1/volumes/${volumeId}`)).status).toBe('available');
    await succeeds(await b.call(app, 'POST', `/v1/volumes/${volumeId}/attach`, { vmId }));
    expect((await get(`/v1/volumes/${volumeId}`)).status).toBe('in-use');
    const snap = await b.call(app, 'POST', `/v1/volumes/${volumeId}/snapshots`, { name: 'e2e-snap' });
    await succeeds(snap);
    const snapshotId = snap.body.snapshot.id;
    expect((await get(`/v1/snapshots/${snapshotId}`)).status).toBe('available');
    await succeeds(await b.call(app, 'POST', `/v1/volumes/${volumeId}/detach`));
    expect((await get(`/v1/volumes/${volumeId}`)).status).toBe('available');
    await succeeds(await b.call(app, 'DELETE', `/v1/snapshots/${snapshotId}`));
    expect((await get(`/v1/snapshots/${snapshotId}`)).status).toBe('deleted');
    await succeeds(await b.call(app, 'DELETE', `/v1/volumes/${volumeId}`));
    expect((await get(`/v1/volumes/${volumeId}`)).status).toBe('deleted');
  });

  it('bucket: create, presign a PUT and a GET that work, delete', async () => {
    const created = await b.call(app, 'POST', '/v1/buckets', {
      name: 'e2e-bucket',
      classification: 'internal',
    });
    await succeeds(created);
    const bucketId = created.body.bucket.id;
    const put = await b.call(app, 'POST', `/v1/buckets/${bucketId}/presign`, {
      key: 'hello.txt',
      method: 'PUT',
      expiresInSeconds: 300,
    });
    expect(put.status, put.text).toBe(200);
    const uploaded = await fetch(put.body.url, { method: 'PUT', body: 'hello', headers: put.body.headers });
    expect(uploaded.status).toBeLessThan(300);
    const read = await b.call(app, 'POST', `/v1/buckets/${bucketId}/presign`, {
      key: 'hello.txt',
      method: 'GET',
    });
    expect(await (await fetch(read.body.url)).text()).toBe('hello');
    await succeeds(await b.call(app, 'DELETE', `/v1/buckets/${bucketId}?force=true`));
    expect((await get(`/v1/buckets/${bucketId}`)).status).toBe('deleted');
  });

  it('link: create between two VMs, delete', async () => {
    const peer = await createVm('e2e-peer', 'internal', {
      region: (await get(`/v1/vms/${vmId}`)).placement.region,
    });
    await succeeds(peer);
    const link = await b.call(app, 'POST', '/v1/links', {
      from: { vmId: peer.body.vm.id },
      to: { vmId },
      port: 5432,
      protocol: 'tcp',
    });
    expect(link.status, link.text).toBe(201);
    const removed = await b.call(app, 'DELETE', `/v1/links/${link.body.id}`);
    expect(removed.status, removed.text).toBe(200);
    expect((await get(`/v1/links/${link.body.id}`)).status).toBe('deleted');
    await succeeds(await b.call(app, 'DELETE', `/v1/vms/${peer.body.vm.id}`));
  });

  it('VM: delete → deleted', async () => {
    await succeeds(await b.call(app, 'DELETE', `/v1/vms/${vmId}`));
    expect((await get(`/v1/vms/${vmId}`)).status).toBe('deleted');
  });

  it('ten VM deletes at once all end, each within a few seconds of the cloud finishing', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => createVm(`e2e-many-${i}`, i % 2 === 0 ? 'internal' : 'phi')),
    );
    await Promise.all(created.map(succeeds));
    const started = Date.now();
    const deletes = await Promise.all(created.map((c) => b.call(app, 'DELETE', `/v1/vms/${c.body.vm.id}`)));
    const times = await Promise.all(
      deletes.map(async (reply) => {
        await succeeds(reply);
        return Date.now() - started;
      }),
    );
    for (const c of created) expect((await get(`/v1/vms/${c.body.vm.id}`)).status).toBe('deleted');
    expect(Math.max(...times), `delete completion times (ms): ${times.join(', ')}`).toBeLessThan(
      BROKER_PROFILE.deleteBudgetMs,
    );
  });

  it('every operation above took a handful of worker runs, not a busy loop', () => {
    const report = JSON.stringify(runs);
    expect(runs.length).toBeGreaterThan(20);
    // Polls back off (250 ms, 500 ms, 1 s, 2 s…), so even the real clouds' slower builds take a few.
    for (const r of runs) expect(r.runs, report).toBeLessThanOrEqual(BROKER_PROFILE.maxRunsPerOperation);
    for (const r of runs.filter((r) => r.kind === 'vm.create'))
      expect(r.polls.awaitActive, report).toBeLessThanOrEqual(BROKER_PROFILE.maxPollsPerBuild);
    console.info(
      `${BROKER_PROFILE.title}: worker runs per operation ${JSON.stringify(runs.map((r) => `${r.kind}:${r.runs}`))}`,
    );
  });
});
