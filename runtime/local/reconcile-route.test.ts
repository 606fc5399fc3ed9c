import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENT_TAG } from '../../core/ports/cloud/compute.ts';
import { type Harness, startHarness } from '../../test/support/broker-harness.ts';
import { waitFor } from '../../test/support/wait-for.ts';
import { loadOrCreateDeploymentId } from './deployment-id.ts';

/** `POST /v1/admin/reconcile`: one reconcile pass on demand, for platform admins only (Cedar). */
describe('the reconcile route', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  // Tagged with this broker's deployment (kept in its data folder): its own orphan, which it may delete.
  const ghost = () =>
    h.broker.providers.get('sandbox-onprem-north').compute.createServer({
      brokerId: 'vm-ghost-of-a-lost-record',
      name: 'ghost',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: { [DEPLOYMENT_TAG]: loadOrCreateDeploymentId(h.dataDir) },
      clientToken: 'ghost',
    });
  const servers = async () => {
    const ids: string[] = [];
    for await (const s of h.broker.providers.get('sandbox-onprem-north').compute.listServers())
      ids.push(s.id);
    return ids;
  };

  it('refuses apps (403 naming the policy) and bad input (400), changing nothing', async () => {
    const orphan = await ghost();
    const app = await h.token('reconcile-t', ['app']);
    const operator = await h.token('reconcile-t', ['operator']);
    const denied = await h.call('POST', '/v1/admin/reconcile', { token: app, body: { orphanGraceMs: 0 } });
    const tenantAdmin = await h.token('reconcile-t', ['admin']);
    const adminDenied = await h.call('POST', '/v1/admin/reconcile', { token: tenantAdmin, body: {} });
    expect(adminDenied.status).toBe(403);
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('auth.forbidden');
    const bad = await h.call('POST', '/v1/admin/reconcile', { token: operator, body: { orphanGraceMs: -1 } });
    expect(bad.status).toBe(400);
    expect(await servers()).toContain(orphan.id);
  });

  it('runs one pass for an operator: young orphans stay under the default grace, go with grace 0', async () => {
    const app = await h.token('reconcile-t', ['app']);
    const operator = await h.token('reconcile-t', ['operator']);
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'kept', size: 'small', image: 'ubuntu-24.04', classification: 'phi', region: 'north' },
    });
    expect((await h.settle(app, created.body.operation.id)).status).toBe('succeeded');
    const kept = (await h.call('GET', `/v1/vms/${created.body.vm.id}`, { token: app })).body;
    const before = await servers();
    const patient = await h.call('POST', '/v1/admin/reconcile', { token: operator, body: {} });
    expect(patient.status).toBe(200);
    expect(patient.body.orphansDeleted).toBe(0);
    const now = await h.call('POST', '/v1/admin/reconcile', { token: operator, body: { orphanGraceMs: 0 } });
    expect(now.status).toBe(200);
    expect(now.body.orphansDeleted).toBeGreaterThanOrEqual(1);
    // Deleted servers pass through `deleting` first.
    await waitFor(servers, (after) => after.length === before.length - now.body.orphansDeleted, {
      timeoutMs: 10_000,
      what: 'the orphans to be gone',
    });
    expect((await h.call('GET', `/v1/vms/${kept.id}`, { token: app })).body.status).toBe('active');
  });

  it('a claim whose operation was never written (crash between the two writes) is released to the server state', async () => {
    const app = await h.token('reconcile-t', ['app']);
    const operator = await h.token('reconcile-t', ['operator']);
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'claimed', size: 'small', image: 'ubuntu-24.04', classification: 'phi', region: 'north' },
    });
    expect((await h.settle(app, created.body.operation.id)).status).toBe('succeeded');
    const vmId = created.body.vm.id;
    // What a DELETE leaves when the process dies after claiming the VM, before writing its operation.
    await h.broker.stores.vms.update(
      'reconcile-t',
      vmId,
      { status: 'deleting', task: 'deleting', activeOperationId: 'op-never-written' },
      { expectActiveOperation: null },
    );
    const report = await h.call('POST', '/v1/admin/reconcile', {
      token: operator,
      body: { orphanGraceMs: 0 },
    });
    expect(report.body.releasedClaims).toBeGreaterThanOrEqual(1);
    const vm = (await h.call('GET', `/v1/vms/${vmId}`, { token: app })).body;
    expect({ status: vm.status, task: vm.task }).toEqual({ status: 'active', task: undefined });
    const deleted = await h.call('DELETE', `/v1/vms/${vmId}`, { token: app });
    expect(deleted.status).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id)).status).toBe('succeeded');
  });

  it('a volume claim whose operation was never written is released to the cloud volume state', async () => {
    const app = await h.token('reconcile-t', ['app']);
    const operator = await h.token('reconcile-t', ['operator']);
    const created = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'claimed', sizeGiB: 1, classification: 'phi', region: 'north' },
    });
    expect((await h.settle(app, created.body.operation.id)).status).toBe('succeeded');
    const volumeId = created.body.volume.id;
    // What an attach leaves when the process dies after claiming the volume, before writing its operation.
    await h.broker.stores.volumes.update(
      'reconcile-t',
      volumeId,
      { status: 'attaching', task: 'attaching', activeOperationId: 'op-never-written' },
      { expectActiveOperation: null },
    );
    const report = await h.call('POST', '/v1/admin/reconcile', {
      token: operator,
      body: { orphanGraceMs: 0 },
    });
    expect(report.body.releasedClaims).toBeGreaterThanOrEqual(1);
    const volume = (await h.call('GET', `/v1/volumes/${volumeId}`, { token: app })).body;
    expect({ status: volume.status, task: volume.task }).toEqual({ status: 'available', task: undefined });
  });
});
