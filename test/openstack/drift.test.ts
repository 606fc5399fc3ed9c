import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import { CircuitBreakerHealth } from '../../core/placement/circuit-breaker.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { DEPLOYMENT_TAG } from '../../core/ports/cloud/compute.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { Reconciler } from '../../core/reconcile/reconciler.ts';
import { loadOrCreateDeploymentId } from '../../runtime/local/deployment-id.ts';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import { harnessReconciler, strayServer } from '../support/harness-reconciler.ts';
import { RecordingEventSink } from '../support/recording-event-sink.ts';
import { waitFor } from '../support/wait-for.ts';
import { OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

const TARGET = 'openstack-dc1';

/** The real OpenStack on 127.0.0.1 as the on-prem target, next to the simulated public targets. */
function catalogue(): string {
  const { kinds: _kinds, ...entry } = openstackTarget({
    id: TARGET,
    ranking: { preference: 30, costPerVcpuHour: 0.03 },
  });
  const openstack = stringify([entry], { indent: 2 })
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-drift-')), 'targets.yaml');
  writeFileSync(file, readFileSync(FAST_TARGETS, 'utf8').replace('targets:\n', `targets:\n${openstack}\n`));
  return file;
}

/**
 * Drift on a real cloud: a server the broker made is stopped with Nova's own API (`os-stop`), behind the
 * broker's back; one reconcile pass later the VM's record says `stopped` and `drift.detected` is recorded.
 */
describe('drift on real OpenStack', () => {
  let h: Harness;
  let app: string;
  let os: OpenStackProvider;
  beforeAll(async () => {
    h = await startHarness({ targetsFile: catalogue() });
    app = await h.token('tenant-os-drift', ['app']);
    os = h.broker.providers.get(TARGET) as OpenStackProvider;
  });
  afterAll(() => h?.close());

  // Orphans are only reported here: other suites share this OpenStack project and their servers carry
  // broker ids this broker has no record of.
  const pass = (events: RecordingEventSink, health: CircuitBreakerHealth) =>
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
      health,
      orphans: { servers: 'report', volumes: 'report' },
    }).run({ orphanGraceMs: 0 });

  it('a VM stopped with the Nova API is `stopped` in the record after one pass, with a drift event', async () => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'drift-os', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
    });
    expect(created.status, created.text).toBe(202);
    expect(created.body.vm.placement.targetId).toBe(TARGET);
    const op = await h.settle(app, created.body.operation.id, 300_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    const vmId: string = created.body.vm.id;
    const serverId: string = op.result.serverId;

    const events = new RecordingEventSink();
    const health = new CircuitBreakerHealth(systemClock, undefined, { cacheMs: 0 });
    expect((await pass(events, health)).errors).toBe(0);
    expect(events.of('drift.detected', vmId)).toEqual([]);

    // Behind the broker's back: Nova's own stop action, not the broker's API.
    await os.nova.request({
      method: 'POST',
      path: `/servers/${serverId}/action`,
      op: 'test.os-stop',
      accept: [202],
      json: { 'os-stop': null },
    });
    await waitFor(
      () => os.nova.getServer(serverId),
      (s) => s.status === 'SHUTOFF' && !s['OS-EXT-STS:task_state'],
      { timeoutMs: 120_000, intervalMs: 500, what: 'Nova to stop the server' },
    );
    const report = await pass(events, health);
    expect(report.drifted).toBeGreaterThanOrEqual(1);
    const vm = (await h.call('GET', `/v1/vms/${vmId}`, { token: app })).body;
    expect(vm.status).toBe('stopped');
    expect(events.of('drift.detected', vmId)).toEqual([
      expect.objectContaining({
        tenant: 'tenant-os-drift',
        data: {
          resourceType: 'vm',
          resourceId: vmId,
          targetId: TARGET,
          drift: 'status',
          from: 'active',
          to: 'stopped',
        },
      }),
    ]);
    // The probe of the real target found it up.
    expect(health.unavailable(TARGET)).toBeUndefined();

    kept = { vmId, serverId };
  });

  let kept: { vmId: string; serverId: string } | undefined;

  it('in the project other suites share, a pass deletes only this deployment’s orphans from real Nova and Cinder', async () => {
    expect(kept).toBeDefined();
    // The worker tagged the server it made with this broker's deployment (kept in its data folder).
    const ours = loadOrCreateDeploymentId(h.dataDir);
    expect((await os.compute.getServer(kept!.serverId)).deployment).toBe(ours);
    const suffix = Date.now().toString(36);
    const server = (brokerId: string, tags: Record<string, string>) => strayServer(os, brokerId, tags);
    const own = await server(`vm-os-own-${suffix}`, { [DEPLOYMENT_TAG]: ours });
    const other = await server(`vm-os-other-${suffix}`, { [DEPLOYMENT_TAG]: 'hcb-another-deployment' });
    const untagged = await server(`vm-os-untagged-${suffix}`, {});
    const volume = (brokerId: string, deployment: string) =>
      os.blockStorage.createVolume({
        brokerId,
        name: brokerId,
        sizeGiB: 1,
        tags: { [DEPLOYMENT_TAG]: deployment },
        clientToken: brokerId,
      });
    const ownVolume = await volume(`vol-os-own-${suffix}`, ours);
    const otherVolume = await volume(`vol-os-other-${suffix}`, 'hcb-another-deployment');
    await waitFor(
      () => Promise.all([ownVolume, otherVolume].map((v) => os.blockStorage.getVolume(v.id))),
      (volumes) => volumes.every((v) => v.state === 'available'),
      { timeoutMs: 120_000, intervalMs: 500, what: 'Cinder to make the volumes' },
    );
    const report = await harnessReconciler(h, {
      orphans: { servers: 'delete', volumes: 'delete' },
      deploymentId: ours,
    }).run({ orphanGraceMs: 0 });
    // Everything else in the project belongs to another suite's broker (its own id) or to none.
    expect(report.orphansDeleted).toBe(2);
    expect(report.otherDeployments).toBeGreaterThanOrEqual(2);
    await waitFor(
      () =>
        os.compute.getServer(own.id).then(
          (s) => s.state,
          () => 'deleted' as const,
        ),
      (state) => state === 'deleted',
      { timeoutMs: 120_000, intervalMs: 500, what: 'Nova to delete this deployment’s orphan' },
    );
    for (const left of [other, untagged]) {
      expect((await os.compute.getServer(left.id)).state).not.toBe('deleted');
      await os.compute.deleteServer(left.id);
    }
    await waitFor(
      () =>
        os.blockStorage.getVolume(ownVolume.id).then(
          (v) => v.state,
          () => 'deleted' as const,
        ),
      (state) => state === 'deleted',
      { timeoutMs: 120_000, intervalMs: 500, what: 'Cinder to delete this deployment’s orphaned volume' },
    );
    expect((await os.blockStorage.getVolume(otherVolume.id)).state).toBe('available');
    await os.blockStorage.deleteVolume(otherVolume.id);
  });

  it('a volume detached with the Nova API is `available` in the record after one pass, with a drift event', async () => {
    expect(kept).toBeDefined();
    const { vmId, serverId } = kept!;
    const created = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'drift-os-disk', sizeGiB: 1, classification: 'phi' },
    });
    expect(created.status, created.text).toBe(202);
    const made = await h.settle(app, created.body.operation.id, 300_000);
    expect(made.status, JSON.stringify(made.error)).toBe('succeeded');
    const volumeId: string = created.body.volume.id;
    const cinderId: string = made.result.volumeId;
    const attach = await h.call('POST', `/v1/volumes/${volumeId}/attach`, { token: app, body: { vmId } });
    expect(attach.status, attach.text).toBe(202);
    expect((await h.settle(app, attach.body.operation.id, 300_000)).status).toBe('succeeded');

    // Behind the broker's back: Nova's own detach.
    await os.nova.request({
      method: 'DELETE',
      path: `/servers/${serverId}/os-volume_attachments/${cinderId}`,
      op: 'test.detach',
      accept: [202],
    });
    await waitFor(
      () => os.blockStorage.getVolume(cinderId),
      (v) => v.state === 'available' && v.attachments.length === 0,
      { timeoutMs: 120_000, intervalMs: 500, what: 'Cinder to show the volume detached' },
    );
    const events = new RecordingEventSink();
    await pass(events, new CircuitBreakerHealth(systemClock));
    const volume = (await h.call('GET', `/v1/volumes/${volumeId}`, { token: app })).body;
    expect(volume.status).toBe('available');
    expect(volume.attachment).toBeUndefined();
    expect(events.of('drift.detected', volumeId).map((e) => [e.data.drift, e.data.from, e.data.to])).toEqual([
      ['detached', 'in-use', 'available'],
    ]);

    const gone = await h.call('DELETE', `/v1/volumes/${volumeId}`, { token: app });
    expect(gone.status, gone.text).toBe(202);
    expect((await h.settle(app, gone.body.operation.id, 300_000)).status).toBe('succeeded');
    const deleted = await h.call('DELETE', `/v1/vms/${vmId}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id, 300_000)).status).toBe('succeeded');
  });
});
