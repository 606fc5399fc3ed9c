import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../connectors/sandbox/sandbox-faults.ts';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Exactly once under faults: a failed create leaves nothing running, and a delete whose effect happened
 * is a succeeded delete even when every response to it is lost. Deletes here take 1.5 s in the sandbox,
 * so retries alone cannot outlast the lost responses.
 */
describe('failed and ambiguous cloud calls', () => {
  let h: Harness;
  let app: string;
  let operator: string;
  let fixtures: string;

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'hcb-slow-deletes-'));
    const targets = join(fixtures, 'targets.yaml');
    writeFileSync(
      targets,
      readFileSync(FAST_TARGETS, 'utf8')
        .replaceAll('deleteMs: 60', 'deleteMs: 1500')
        .replaceAll('volumeMs: 40', 'volumeMs: 1500'),
    );
    // Three retries (1 + 2 + 4 s of back-off) before a step gives up, instead of eight (about two minutes).
    h = await startHarness({ targetsFile: targets, env: { HCB_WORKER_MAX_RETRIES: '3' } });
    app = await h.token('tenant-faults', ['app']);
    operator = await h.token('tenant-faults', ['operator']);
  });
  afterAll(async () => {
    await h.close();
    rmSync(fixtures, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const p of h.broker.providers.all()) (p as SandboxProvider).faults.clear();
  });

  const inject = async (targetId: string, rules: FaultRule[]) => {
    const reply = await h.call('PUT', `/v1/sandbox/targets/${targetId}/faults`, {
      token: operator,
      body: { rules },
    });
    expect(reply.status, reply.text).toBe(200);
  };
  const liveServers = async (vmId: string) => {
    const found = [];
    for (const provider of h.broker.providers.all())
      for await (const s of provider.compute.listServers()) if (s.brokerId === vmId) found.push(s);
    return found;
  };
  const liveVolumes = async (volumeId: string) => {
    const found = [];
    for (const provider of h.broker.providers.all())
      for await (const v of provider.blockStorage.listVolumes()) if (v.brokerId === volumeId) found.push(v);
    return found;
  };
  const get = async (path: string) => (await h.call('GET', path, { token: app })).body;
  const createVm = async (name: string) => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name, size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
    });
    expect(created.status, created.text).toBe(202);
    return created.body;
  };
  const createVolume = async (name: string) => {
    const created = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name, sizeGiB: 5, classification: 'phi' },
    });
    expect(created.status, created.text).toBe(202);
    return created.body;
  };

  it('a VM create whose status polls keep failing ends in error and leaves no server running', async () => {
    await inject('sandbox-onprem-north', [
      { type: 'fail', method: 'getServer', kind: 'timeout', count: 1000 },
    ]);
    const { vm, operation } = await createVm('polls-fail');
    expect(vm.placement.targetId).toBe('sandbox-onprem-north');
    const op = await h.settle(app, operation.id, 60_000);
    expect(op).toMatchObject({ status: 'failed', error: { code: 'sandbox.timeout' } });
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'error' });
    await waitFor(
      () => liveServers(vm.id),
      (servers) => servers.length === 0,
      { timeoutMs: 10_000, intervalMs: 100, what: 'the failed create to remove its server' },
    );
  });

  it('a server the failed create could not delete belongs to nobody: the reconciler removes it', async () => {
    await inject('sandbox-onprem-north', [
      { type: 'fail', method: 'getServer', kind: 'timeout', count: 1000 },
      { type: 'fail', method: 'deleteServer', kind: 'unavailable', count: 1000 },
    ]);
    const { vm, operation } = await createVm('polls-and-delete-fail');
    expect(await h.settle(app, operation.id, 60_000)).toMatchObject({ status: 'failed' });
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'error' });
    (h.broker.providers.get('sandbox-onprem-north') as SandboxProvider).faults.clear();
    expect(await liveServers(vm.id)).toHaveLength(1); // still there: its delete failed

    const report = await h.broker.reconciler.run({ orphanGraceMs: 0 });
    expect(report.orphansDeleted).toBe(1);
    await waitFor(
      () => liveServers(vm.id),
      (servers) => servers.length === 0,
      { timeoutMs: 10_000, intervalMs: 100, what: 'the reconciler to remove the server' },
    );
    // The record stays for the user to see, in error, owning nothing.
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'error' });
  });

  it('a volume create whose status polls keep failing ends in error and leaves no volume behind', async () => {
    await inject('sandbox-onprem-north', [
      { type: 'fail', method: 'getVolume', kind: 'timeout', count: 1000 },
    ]);
    const { volume, operation } = await createVolume('volume-polls-fail');
    expect(volume.placement.targetId).toBe('sandbox-onprem-north');
    expect(await h.settle(app, operation.id, 60_000)).toMatchObject({ status: 'failed' });
    expect(await get(`/v1/volumes/${volume.id}`)).toMatchObject({ status: 'error' });
    (h.broker.providers.get('sandbox-onprem-north') as SandboxProvider).faults.clear();
    await waitFor(
      () => liveVolumes(volume.id),
      (volumes) => volumes.length === 0,
      { timeoutMs: 10_000, intervalMs: 100, what: 'the failed create to remove its volume' },
    );
  });

  it('a VM delete whose responses are lost more often than the worker retries succeeds once the server is gone', async () => {
    const { vm, operation } = await createVm('lost-delete');
    expect(await h.settle(app, operation.id)).toMatchObject({ status: 'succeeded' });
    // Nine: one more than the worker's retries of a step. (Not more: while the server is `deleting`,
    // the wait step re-sends the delete now and then, and those losses count against the same budget.)
    await inject(vm.placement.targetId, [{ type: 'loseResponse', method: 'deleteServer', count: 9 }]);
    const deleted = await h.call('DELETE', `/v1/vms/${vm.id}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    const op = await h.settle(app, deleted.body.operation.id, 60_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect(await get(`/v1/vms/${vm.id}`)).toMatchObject({ status: 'deleted' });
    expect(await liveServers(vm.id)).toHaveLength(0);
  });

  it('a volume delete whose responses are all lost succeeds once the volume is gone', async () => {
    const { volume, operation } = await createVolume('lost-volume-delete');
    expect(await h.settle(app, operation.id)).toMatchObject({ status: 'succeeded' });
    await inject(volume.placement.targetId, [{ type: 'loseResponse', method: 'deleteVolume', count: 1000 }]);
    const deleted = await h.call('DELETE', `/v1/volumes/${volume.id}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    const op = await h.settle(app, deleted.body.operation.id, 60_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect(await get(`/v1/volumes/${volume.id}`)).toMatchObject({ status: 'deleted' });
    expect(await liveVolumes(volume.id)).toHaveLength(0);
  });

  it('a snapshot delete whose responses are all lost succeeds once the snapshot is gone', async () => {
    const { volume, operation } = await createVolume('snapshot-source');
    expect(await h.settle(app, operation.id)).toMatchObject({ status: 'succeeded' });
    const snap = await h.call('POST', `/v1/volumes/${volume.id}/snapshots`, {
      token: app,
      body: { name: 'lost-snapshot-delete' },
    });
    expect(snap.status, snap.text).toBe(202);
    expect(await h.settle(app, snap.body.operation.id)).toMatchObject({ status: 'succeeded' });
    await inject(volume.placement.targetId, [
      { type: 'loseResponse', method: 'deleteSnapshot', count: 1000 },
    ]);
    const deleted = await h.call('DELETE', `/v1/snapshots/${snap.body.snapshot.id}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    const op = await h.settle(app, deleted.body.operation.id, 60_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect(await get(`/v1/snapshots/${snap.body.snapshot.id}`)).toMatchObject({ status: 'deleted' });
  });
});
