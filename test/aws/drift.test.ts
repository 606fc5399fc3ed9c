import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreakerHealth } from '../../core/placement/circuit-breaker.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { DEPLOYMENT_TAG } from '../../core/ports/cloud/compute.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { Reconciler } from '../../core/reconcile/reconciler.ts';
import { loadOrCreateDeploymentId } from '../../runtime/local/deployment-id.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { harnessReconciler, strayServer } from '../support/harness-reconciler.ts';
import { RecordingEventSink } from '../support/recording-event-sink.ts';
import { waitFor } from '../support/wait-for.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

useEmulator();

/**
 * Drift on the AWS emulator: an instance the broker made is stopped with EC2's own API, behind the
 * broker's back; one reconcile pass later the VM's record says `stopped` and `drift.detected` is recorded.
 */
describe('drift on EC2 (emulator)', () => {
  let h: Harness;
  let app: string;
  beforeAll(async () => {
    h = await startHarness({ targetsFile: await awsCatalogue(['us-east-1']) });
    app = await h.token('tenant-aws-drift', ['app']);
  });
  afterAll(() => h?.close());

  // Orphans only reported: the emulator is shared with other suites, whose instances this broker has no
  // record of.
  const pass = (events: RecordingEventSink) =>
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
      health: new CircuitBreakerHealth(systemClock),
      orphans: { servers: 'report', volumes: 'report' },
    }).run({ orphanGraceMs: 0 });

  it('an instance stopped with the EC2 API is `stopped` in the record after one pass, with a drift event', async () => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'drift-ec2', size: 'small', image: 'ubuntu-24.04', classification: 'public' },
    });
    expect(created.status, created.text).toBe(202);
    expect(created.body.vm.placement.targetId).toBe('aws-us-east-1');
    const op = await h.settle(app, created.body.operation.id, 120_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    const vmId: string = created.body.vm.id;
    const instanceId: string = op.result.serverId;

    const ec2 = new EC2Client({ region: 'us-east-1' });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    await waitFor(
      async () => {
        const { Reservations = [] } = await ec2.send(
          new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
        );
        return Reservations[0]?.Instances?.[0]?.State?.Name;
      },
      (state) => state === 'stopped',
      { timeoutMs: 60_000, intervalMs: 250, what: 'EC2 to stop the instance' },
    );
    const events = new RecordingEventSink();
    const report = await pass(events);
    expect(report.drifted).toBeGreaterThanOrEqual(1);
    expect((await h.call('GET', `/v1/vms/${vmId}`, { token: app })).body.status).toBe('stopped');
    expect(events.of('drift.detected', vmId)).toEqual([
      expect.objectContaining({
        tenant: 'tenant-aws-drift',
        data: {
          resourceType: 'vm',
          resourceId: vmId,
          targetId: 'aws-us-east-1',
          drift: 'status',
          from: 'active',
          to: 'stopped',
        },
      }),
    ]);
    ec2.destroy();
    const deleted = await h.call('DELETE', `/v1/vms/${vmId}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id, 120_000)).status).toBe('succeeded');
  });

  it('in the emulator other suites share, a pass deletes only this deployment’s orphans (EC2 and EBS)', async () => {
    const aws = h.broker.providers.get('aws-us-east-1');
    const ours = loadOrCreateDeploymentId(h.dataDir);
    // The worker tags what it makes with this broker's deployment (kept in its data folder).
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'tagged-ec2', size: 'small', image: 'ubuntu-24.04', classification: 'public' },
    });
    expect(created.status, created.text).toBe(202);
    const op = await h.settle(app, created.body.operation.id, 120_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect((await aws.compute.getServer(op.result.serverId)).deployment).toBe(ours);

    const suffix = Date.now().toString(36);
    const server = (brokerId: string, tags: Record<string, string>) => strayServer(aws, brokerId, tags);
    const volume = (brokerId: string, tags: Record<string, string>) =>
      aws.blockStorage.createVolume({ brokerId, name: brokerId, sizeGiB: 1, tags, clientToken: brokerId });
    const own = await server(`vm-ec2-own-${suffix}`, { [DEPLOYMENT_TAG]: ours });
    const other = await server(`vm-ec2-other-${suffix}`, { [DEPLOYMENT_TAG]: 'hcb-another-deployment' });
    const untagged = await server(`vm-ec2-untagged-${suffix}`, {});
    const ownVolume = await volume(`vol-ebs-own-${suffix}`, { [DEPLOYMENT_TAG]: ours });
    const otherVolume = await volume(`vol-ebs-other-${suffix}`, {
      [DEPLOYMENT_TAG]: 'hcb-another-deployment',
    });
    const report = await harnessReconciler(h, {
      orphans: { servers: 'delete', volumes: 'delete' },
      deploymentId: ours,
    }).run({ orphanGraceMs: 0 });
    // Everything else in the emulator belongs to another suite's broker (its own id) or to none.
    expect(report.orphansDeleted).toBe(2);
    expect(report.otherDeployments).toBeGreaterThanOrEqual(2);
    await waitFor(
      () => aws.compute.getServer(own.id).then((s) => s.state),
      (state) => state === 'deleted' || state === 'deleting',
      { timeoutMs: 60_000, intervalMs: 250, what: 'EC2 to terminate this deployment’s orphan' },
    );
    await expect(aws.blockStorage.getVolume(ownVolume.id)).rejects.toMatchObject({ code: 'aws.notFound' });
    for (const left of [other, untagged]) {
      expect(['deleted', 'deleting']).not.toContain((await aws.compute.getServer(left.id)).state);
      await aws.compute.deleteServer(left.id);
    }
    expect((await aws.blockStorage.getVolume(otherVolume.id)).state).not.toBe('deleted');
    await aws.blockStorage.deleteVolume(otherVolume.id);
    const deleted = await h.call('DELETE', `/v1/vms/${created.body.vm.id}`, { token: app });
    expect((await h.settle(app, deleted.body.operation.id, 120_000)).status).toBe('succeeded');
  });
});
