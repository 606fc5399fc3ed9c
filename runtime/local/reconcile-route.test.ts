import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../test/support/broker-harness.ts';

/** `POST /v1/admin/reconcile`: one reconcile pass on demand, for platform admins only (Cedar). */
describe('the reconcile route', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const ghost = () =>
    h.broker.providers.get('sandbox-onprem-north').compute.createServer({
      brokerId: 'vm-ghost-of-a-lost-record',
      name: 'ghost',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
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
    const admin = await h.token('reconcile-t', ['admin']);
    const denied = await h.call('POST', '/v1/admin/reconcile', { token: app, body: { orphanGraceMs: 0 } });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('auth.forbidden');
    const bad = await h.call('POST', '/v1/admin/reconcile', { token: admin, body: { orphanGraceMs: -1 } });
    expect(bad.status).toBe(400);
    expect(await servers()).toContain(orphan.id);
  });

  it('runs one pass for an admin: young orphans stay under the default grace, go with grace 0', async () => {
    const app = await h.token('reconcile-t', ['app']);
    const admin = await h.token('reconcile-t', ['admin']);
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'kept', size: 'small', image: 'ubuntu-24.04', classification: 'phi', region: 'north' },
    });
    expect((await h.settle(app, created.body.operation.id)).status).toBe('succeeded');
    const kept = (await h.call('GET', `/v1/vms/${created.body.vm.id}`, { token: app })).body;
    const before = await servers();
    const patient = await h.call('POST', '/v1/admin/reconcile', { token: admin, body: {} });
    expect(patient.status).toBe(200);
    expect(patient.body.orphansDeleted).toBe(0);
    const now = await h.call('POST', '/v1/admin/reconcile', { token: admin, body: { orphanGraceMs: 0 } });
    expect(now.status).toBe(200);
    expect(now.body.orphansDeleted).toBeGreaterThanOrEqual(1);
    const after = await servers();
    expect(after.length).toBe(before.length - now.body.orphansDeleted);
    expect((await h.call('GET', `/v1/vms/${kept.id}`, { token: app })).body.status).toBe('active');
  });
});
