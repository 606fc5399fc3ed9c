import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../connectors/sandbox/sandbox-faults.ts';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { CircuitBreakerHealth } from '../../core/placement/circuit-breaker.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { DEPLOYMENT_TAG } from '../../core/ports/cloud/compute.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { type OrphanSettings, Reconciler } from '../../core/reconcile/reconciler.ts';
import { UsageMeter } from '../../core/usage/usage-meter.ts';
import { type Harness, type Reply, startHarness } from '../support/broker-harness.ts';
import { strayServer } from '../support/harness-reconciler.ts';
import { RecordingEventSink } from '../support/recording-event-sink.ts';
import { waitFor } from '../support/wait-for.ts';

const NORTH = 'sandbox-onprem-north';

/**
 * Drift on the sandbox: each change made with the cloud's own API, behind the broker's back, is in the
 * record after one reconcile pass, with one `drift.detected` event; what an operation holds is left alone.
 */
describe('the reconciler brings drift into the records', () => {
  let h: Harness;
  let app: string;
  let operator: string;
  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-drift', ['app']);
    operator = await h.token('tenant-drift', ['operator']);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    for (const p of h.broker.providers.all()) (p as SandboxProvider).faults.clear();
  });

  const north = () => h.broker.providers.get(NORTH);
  const reconciler = (
    events: RecordingEventSink,
    options: { orphans?: Partial<OrphanSettings>; health?: CircuitBreakerHealth } = {},
  ) =>
    new Reconciler({
      vms: h.broker.stores.vms,
      volumes: h.broker.stores.volumes,
      buckets: h.broker.stores.buckets,
      operations: h.broker.stores.operations,
      queue: h.broker.queue,
      providers: h.broker.providers,
      clock: systemClock,
      log: silentLogger,
      events,
      ...options,
    });
  const pass = (events: RecordingEventSink, options: Parameters<typeof reconciler>[1] = {}) =>
    reconciler(events, options).run({ orphanGraceMs: 0 });
  const get = async (path: string) => (await h.call('GET', path, { token: app })).body;
  const settled = async (reply: Reply) => {
    expect(reply.status, reply.text).toBe(202);
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    return reply.body;
  };
  const createVm = async (name: string) => {
    const { vm } = await settled(
      await h.call('POST', '/v1/vms', {
        token: app,
        body: { name, size: 'small', image: 'ubuntu-24.04', classification: 'phi', region: 'north' },
      }),
    );
    const stored = await h.broker.stores.vms.get('tenant-drift', vm.id);
    expect(stored?.placement?.targetId).toBe(NORTH);
    return { id: vm.id as string, cloudId: stored!.cloudId! };
  };
  const cloudState = async (cloudId: string) => (await north().compute.getServer(cloudId)).state;
  const until = (what: string, check: () => Promise<boolean>) =>
    waitFor(check, (ok) => ok, { timeoutMs: 10_000, intervalMs: 30, what });

  it('a server stopped, started and resized behind the broker: the record follows, one event each', async () => {
    const vm = await createVm('drift-status');
    const events = new RecordingEventSink();
    expect((await pass(events)).drifted).toBe(0); // nothing changed yet: no drift

    await north().compute.stopServer(vm.cloudId);
    await until('the server to stop', async () => (await cloudState(vm.cloudId)) === 'stopped');
    expect((await pass(events)).drifted).toBe(1);
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'stopped' });
    expect(events.of('drift.detected', vm.id)).toEqual([
      expect.objectContaining({
        tenant: 'tenant-drift',
        data: {
          resourceType: 'vm',
          resourceId: vm.id,
          targetId: NORTH,
          drift: 'status',
          from: 'active',
          to: 'stopped',
        },
      }),
    ]);
    // A second pass finds nothing new.
    expect((await pass(events)).drifted).toBe(0);
    expect(events.of('drift.detected', vm.id)).toHaveLength(1);

    await north().compute.startServer(vm.cloudId);
    await until('the server to start', async () => (await cloudState(vm.cloudId)) === 'active');
    await pass(events);
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'active' });

    await north().compute.resizeServer(vm.cloudId, 'medium');
    await until('the resize to wait for confirmation', async () => {
      const state = await cloudState(vm.cloudId);
      return state === 'verifyResize' || state === 'active';
    });
    // Mid-resize is someone's work in progress: left alone.
    expect((await pass(events)).drifted).toBe(0);
    if ((await cloudState(vm.cloudId)) === 'verifyResize') await north().compute.confirmResize(vm.cloudId);
    await until('the resize to end', async () => (await cloudState(vm.cloudId)) === 'active');
    await pass(events);
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'active', size: 'medium' });
    expect(events.of('drift.detected', vm.id).map((e) => [e.data.drift, e.data.to])).toEqual([
      ['status', 'stopped'],
      ['status', 'active'],
      ['size', 'medium'],
    ]);
  });

  it('a server deleted behind the broker: the VM is in error, saying its server is gone', async () => {
    const vm = await createVm('drift-gone');
    await north().compute.deleteServer(vm.cloudId);
    await until('the server to go', () =>
      cloudState(vm.cloudId).then(
        (s) => s === 'deleted',
        () => true,
      ),
    );
    const events = new RecordingEventSink();
    await pass(events);
    const after = await get(`/v1/vms/${vm.id}`);
    expect(after).toMatchObject({ status: 'error', fault: 'the server is gone from its target' });
    expect(events.of('drift.detected', vm.id).map((e) => e.data.drift)).toEqual(['missing']);
    await pass(events); // already in error: no repeat
    expect(events.of('drift.detected', vm.id)).toHaveLength(1);
  });

  it('a VM an operation holds is left to the operation, even when its server differs', async () => {
    const vm = await createVm('drift-in-flight');
    const faults: FaultRule[] = [{ type: 'fail', method: 'getServer', kind: 'timeout', count: 1000 }];
    expect(
      (
        await h.call('PUT', `/v1/sandbox/targets/${NORTH}/faults`, {
          token: operator,
          body: { rules: faults },
        })
      ).status,
    ).toBe(200);
    const stop = await h.call('POST', `/v1/vms/${vm.id}/actions`, { token: app, body: { type: 'stop' } });
    expect(stop.status, stop.text).toBe(202);
    await until('the stop to reach the cloud', async () => {
      for await (const s of north().compute.listServers())
        if (s.id === vm.cloudId) return s.state === 'stopped';
      return false;
    });
    const events = new RecordingEventSink();
    await pass(events);
    expect(events.of('drift.detected', vm.id)).toEqual([]);
    const held = await h.broker.stores.vms.get('tenant-drift', vm.id);
    expect(held).toMatchObject({
      status: 'active',
      task: 'stopping',
      activeOperationId: stop.body.operation.id,
    });
    (north() as SandboxProvider).faults.clear();
    expect((await h.settle(app, stop.body.operation.id, 60_000)).status).toBe('succeeded');
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'stopped' });
  });

  it('a volume detached, and a bucket deleted, behind the broker', async () => {
    const vm = await createVm('drift-volume-host');
    const { volume } = await settled(
      await h.call('POST', '/v1/volumes', {
        token: app,
        body: { name: 'drift-disk', sizeGiB: 5, classification: 'phi', region: 'north' },
      }),
    );
    await settled(
      await h.call('POST', `/v1/volumes/${volume.id}/attach`, { token: app, body: { vmId: vm.id } }),
    );
    const storedVolume = await h.broker.stores.volumes.get('tenant-drift', volume.id);
    await north().blockStorage.detachVolume(storedVolume!.cloudId!, vm.cloudId);
    await until('the detach', async () => {
      const v = await north().blockStorage.getVolume(storedVolume!.cloudId!);
      return v.state === 'available' && v.attachments.length === 0;
    });
    const { bucket } = await settled(
      await h.call('POST', '/v1/buckets', {
        token: app,
        body: { name: 'drift-bucket', classification: 'phi', region: 'north' },
      }),
    );
    const storedBucket = await h.broker.stores.buckets.get('tenant-drift', bucket.id);
    await h.broker.providers
      .get(storedBucket!.placement!.targetId)
      .objectStorage.deleteBucket(storedBucket!.cloudName, { force: true });

    const events = new RecordingEventSink();
    await pass(events);
    const detached = await get(`/v1/volumes/${volume.id}`);
    expect(detached.status).toBe('available');
    expect(detached.attachment).toBeUndefined();
    expect(await get(`/v1/buckets/${bucket.id}`)).toMatchObject({ status: 'error' });
    expect(events.of('drift.detected', volume.id).map((e) => [e.data.drift, e.data.to])).toEqual([
      ['detached', 'available'],
    ]);
    expect(events.of('drift.detected', bucket.id).map((e) => [e.data.drift, e.data.to])).toEqual([
      ['missing', 'error'],
    ]);
  });

  it('orphans are reported and kept under `report`, deleted under `delete`', async () => {
    const orphan = await north().compute.createServer({
      brokerId: 'vm-no-record-of-it',
      name: 'orphan',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: 'orphan',
    });
    const events = new RecordingEventSink();
    const reported = await pass(events, { orphans: { servers: 'report' } });
    expect(reported).toMatchObject({ orphansFound: 1, orphansDeleted: 0 });
    expect(await cloudState(orphan.id)).not.toBe('deleted');
    const deleted = await pass(events, { orphans: { servers: 'delete' } });
    expect(deleted).toMatchObject({ orphansFound: 1, orphansDeleted: 1 });
    await until('the orphan to go', () =>
      cloudState(orphan.id).then(
        (s) => s === 'deleted',
        () => true,
      ),
    );
  });

  it('in a cloud project shared with another deployment, deletes only its own orphans', async () => {
    // The broker's own reconciler, and the deployment id the embedded broker keeps in its data folder: the
    // one its worker tags servers with.
    const vm = await createVm('tagged');
    const ours = (await north().compute.getServer(vm.cloudId)).deployment!;
    expect(ours).toMatch(/^hcb-[0-9a-f-]{36}$/);
    const server = (brokerId: string, tags: Record<string, string>) => strayServer(north(), brokerId, tags);
    const own = await server('vm-own-record-lost', { [DEPLOYMENT_TAG]: ours });
    const other = await server('vm-of-another-deployment', { [DEPLOYMENT_TAG]: 'hcb-staging' });
    const older = await server('vm-made-before-deployment-tags', {});
    const volume = (brokerId: string, deployment: string) =>
      north().blockStorage.createVolume({
        brokerId,
        name: 'orphan',
        sizeGiB: 1,
        tags: { [DEPLOYMENT_TAG]: deployment },
        clientToken: brokerId,
      });
    const ownVolume = await volume('vol-own-record-lost', ours);
    const otherVolume = await volume('vol-of-another-deployment', 'hcb-staging');
    const report = await h.broker.reconciler.run({ orphanGraceMs: 0 });
    // Servers: its own deleted, the untagged one reported, the other deployment's untouched; volumes are
    // only reported by default (HCB_ORPHAN_VOLUMES), and the other deployment's not even that.
    expect(report).toMatchObject({ orphansFound: 3, orphansDeleted: 1, otherDeployments: 2 });
    await until('its own orphan to go', () =>
      cloudState(own.id).then(
        (s) => s === 'deleted',
        () => true,
      ),
    );
    for (const kept of [other.id, older.id, vm.cloudId]) expect(await cloudState(kept)).not.toBe('deleted');
    for (const leftover of [other.id, older.id]) await north().compute.deleteServer(leftover);
    for (const leftover of [ownVolume.id, otherVolume.id]) await north().blockStorage.deleteVolume(leftover);
  });

  it('each pass probes every target and feeds the shared health state placement reads', async () => {
    const health = new CircuitBreakerHealth(systemClock, undefined, { cacheMs: 0 });
    const down: FaultRule[] = [{ type: 'fail', kind: 'unavailable', count: 1000 }];
    expect(
      (await h.call('PUT', `/v1/sandbox/targets/${NORTH}/faults`, { token: operator, body: { rules: down } }))
        .status,
    ).toBe(200);
    const report = await pass(new RecordingEventSink(), { health });
    expect(report.errors).toBe(1); // north was not swept
    expect(health.unavailable(NORTH)).toMatch(/down/);
    for (const p of h.broker.providers.all())
      if (p.target.id !== NORTH) expect(health.unavailable(p.target.id)).toBeUndefined();
    (north() as SandboxProvider).faults.clear();
    await pass(new RecordingEventSink(), { health });
    expect(health.unavailable(NORTH)).toBeUndefined();
  });

  it('a failing listing counts against the target circuit; a failing outbox does not', async () => {
    const health = new CircuitBreakerHealth(systemClock, undefined, { cacheMs: 0 });
    const failing: FaultRule[] = [{ type: 'fail', method: 'listServers', kind: 'unavailable', count: 1000 }];
    const put = await h.call('PUT', `/v1/sandbox/targets/${NORTH}/faults`, {
      token: operator,
      body: { rules: failing },
    });
    expect(put.status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await pass(new RecordingEventSink(), { health })).errors).toBe(1);
    expect(health.state(NORTH)).toBe('open');
    (north() as SandboxProvider).faults.clear();

    const fresh = new CircuitBreakerHealth(systemClock, undefined, { cacheMs: 0 });
    const vm = await createVm('drift-outbox-down');
    await north().compute.stopServer(vm.cloudId);
    await until('the server to stop', async () => (await cloudState(vm.cloudId)) === 'stopped');
    const broken = new RecordingEventSink();
    broken.record = async () => {
      throw new Error('outbox unavailable');
    };
    const report = await pass(broken, { health: fresh });
    expect(report.errors).toBe(1);
    expect(fresh.state(NORTH)).toBe('closed');
    // The record was not changed without its event: the next pass, with the outbox back, does both.
    expect((await h.broker.stores.vms.get('tenant-drift', vm.id))?.status).toBe('active');
    const events = new RecordingEventSink();
    await pass(events, { health: fresh });
    expect(events.of('drift.detected', vm.id)).toHaveLength(1);
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'stopped' });
  });
  it('a VM stopped behind the broker is metered as stopped once, even when the pass runs again', async () => {
    const vm = await createVm('drift-usage');
    const records = h.broker.stores.usageRecords;
    const meter = new UsageMeter(records, { small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 } }, systemClock);
    const ofVm = async () =>
      (await records.listBefore('tenant-drift', new Date(Date.now() + 60_000).toISOString())).filter(
        (r) => r.resourceId === vm.id,
      );
    const before = await ofVm();
    expect(before.map((r) => r.state)).not.toContain('stopped');

    await north().compute.stopServer(vm.cloudId);
    await until('the server to stop', async () => (await cloudState(vm.cloudId)) === 'stopped');
    const events = new RecordingEventSink();
    const runWithUsage = () =>
      new Reconciler({
        vms: h.broker.stores.vms,
        operations: h.broker.stores.operations,
        queue: h.broker.queue,
        providers: h.broker.providers,
        clock: systemClock,
        log: silentLogger,
        events,
        usage: meter,
      }).run({ orphanGraceMs: 0 });
    expect((await runWithUsage()).drifted).toBe(1);
    expect((await runWithUsage()).drifted).toBe(0);
    const after = await ofVm();
    expect(after).toHaveLength(before.length + 1);
    expect(after.filter((r) => r.state === 'stopped')).toHaveLength(1);
  });
});
