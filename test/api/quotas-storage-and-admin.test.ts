import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { quotaKit } from '../support/quota-kit.ts';

/** Quotas through the HTTP app on the sandbox: volumes, snapshots, buckets, capacity, who sets limits. */
describe('quotas: storage, capacity and administration', () => {
  let h: Harness;
  let operator: string;

  beforeAll(async () => {
    h = await startHarness();
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h.close());

  const { tenantWith, createVm, quotasOf, reconcile } = quotaKit(
    () => h,
    () => operator,
    'quota-s',
  );

  it('lets an admin set its own tenant, an operator any; nobody else; partial; audited', async () => {
    const admin = await h.token('quota-admins', ['admin'], 'admin-1');
    const app = await h.token('quota-admins', ['app']);
    const auditor = await h.token('quota-admins', ['auditor']);
    const own = await h.call('PUT', '/v1/quotas/quota-admins', {
      token: admin,
      body: { onprem: { instances: 7 } },
    });
    expect(own.status, own.text).toBe(200);
    expect(own.body.onprem.instances.limit).toBe(7);
    const partial = await h.call('PUT', '/v1/quotas/quota-admins', {
      token: admin,
      body: { onprem: { vcpus: 9 } },
    });
    expect(partial.body.onprem.instances.limit).toBe(7);
    expect(partial.body.onprem.vcpus.limit).toBe(9);
    expect(partial.body.public.instances.limit).toBe(2000);
    for (const [token, path] of [
      [admin, '/v1/quotas/quota-other'],
      [app, '/v1/quotas/quota-admins'],
      [auditor, '/v1/quotas/quota-admins'],
    ] as const) {
      const refused = await h.call('PUT', path, { token, body: { onprem: { instances: 99 } } });
      expect(refused.status, `${path}: ${refused.text}`).toBe(403);
    }
    expect(
      (await h.call('GET', '/v1/quotas?tenant=quota-admins', { token: operator })).body.onprem.instances
        .limit,
    ).toBe(7);
    expect((await h.call('GET', '/v1/quotas?tenant=quota-other', { token: app })).status).toBe(403);
    expect((await h.call('GET', '/v1/quotas', { token: auditor })).body.tenant).toBe('quota-admins');
    const byOperator = await h.call('PUT', '/v1/quotas/quota-admins', {
      token: operator,
      body: { public: { buckets: 3 } },
    });
    expect(byOperator.body.public.buckets.limit).toBe(3);
    const trail = await h.call('GET', '/v1/audit?action=quota.write', { token: admin });
    expect(trail.body.items.map((r: { outcome: string }) => r.outcome)).toContain('succeeded');
    expect(
      trail.body.items.some(
        (r: { detail?: Record<string, string> }) => r.detail?.['onprem.instances'] === '7',
      ),
    ).toBe(true);
  });

  it('admits volumes against volumes and volumeGiB, snapshots against snapshots; deletes give back', async () => {
    const { tenant, app } = await tenantWith({ onprem: { volumes: 3, volumeGiB: 25 } });
    const createVolume = (sizeGiB: number, i: number) =>
      h.call('POST', '/v1/volumes', { token: app, body: { name: `v${i}`, sizeGiB, classification: 'phi' } });
    const replies = await Promise.all(Array.from({ length: 9 }, (_, i) => createVolume(10, i)));
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(2);
    for (const r of replies.filter((x) => x.status !== 202)) {
      expect(r.status, r.text).toBe(403);
      expect(r.body.details).toMatchObject({
        site: 'onprem',
        resource: 'volumeGiB',
        limit: 25,
        requested: 10,
      });
    }
    for (const r of accepted) expect((await h.settle(app, r.body.operation.id)).status).toBe('succeeded');
    expect((await quotasOf(app)).onprem.volumeGiB).toEqual({ limit: 25, used: 20, reserved: 0 });
    const deleted = await h.call('DELETE', `/v1/volumes/${accepted[0]!.body.volume.id}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id)).status).toBe('succeeded');
    const q = await quotasOf(app);
    expect(q.onprem.volumeGiB).toEqual({ limit: 25, used: 10, reserved: 0 });
    expect(q.onprem.volumes).toEqual({ limit: 3, used: 1, reserved: 0 });
    // A crash between the delete's last write and its release leaves a hold: one reconcile releases it.
    const gone = accepted[0]!.body.volume.id;
    await h.broker.stores.quotas.reserve(tenant, 'onprem', {
      resourceId: gone,
      operationId: deleted.body.operation.id,
      demand: { volumes: 1, volumeGiB: 10 },
    });
    expect((await quotasOf(app)).onprem.volumeGiB.reserved).toBe(10);
    expect((await reconcile()).quotas.released).toBeGreaterThanOrEqual(1);
    expect((await quotasOf(app)).onprem.volumeGiB).toEqual({ limit: 25, used: 10, reserved: 0 });
    // Snapshots count too: one allowed here, the second refused.
    await h.call('PUT', `/v1/quotas/${tenant}`, { token: operator, body: { onprem: { snapshots: 1 } } });
    const kept = accepted[1]!.body.volume.id;
    const snap = await h.call('POST', `/v1/volumes/${kept}/snapshots`, { token: app, body: { name: 's1' } });
    expect(snap.status, snap.text).toBe(202);
    expect((await h.settle(app, snap.body.operation.id)).status).toBe('succeeded');
    const second = await h.call('POST', `/v1/volumes/${kept}/snapshots`, {
      token: app,
      body: { name: 's2' },
    });
    expect(second.status, second.text).toBe(403);
    expect(second.body.details).toMatchObject({ resource: 'snapshots', limit: 1, used: 1 });
  });

  it('admits buckets against buckets; a deleted bucket frees its place', async () => {
    const { app } = await tenantWith({ onprem: { buckets: 1 } });
    const createBucket = (i: number) =>
      h.call('POST', '/v1/buckets', { token: app, body: { name: `b${i}`, classification: 'phi' } });
    const replies = await Promise.all([0, 1, 2].map(createBucket));
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(1);
    expect(replies.filter((r) => r.status === 403).map((r) => r.body.details.resource)).toEqual([
      'buckets',
      'buckets',
    ]);
    expect((await h.settle(app, accepted[0]!.body.operation.id)).status).toBe('succeeded');
    expect((await quotasOf(app)).onprem.buckets).toEqual({ limit: 1, used: 1, reserved: 0 });
    const deleted = await h.call('DELETE', `/v1/buckets/${accepted[0]!.body.bucket.id}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id)).status).toBe('succeeded');
    expect((await quotasOf(app)).onprem.buckets).toEqual({ limit: 1, used: 0, reserved: 0 });
    expect((await createBucket(3)).status).toBe(202);
  });

  it("shows a target's cloud capacity beside the tenant's quotas on its site", async () => {
    const { app } = await tenantWith({ onprem: { vcpus: 12 } });
    const created = await createVm(app, 'phi', 'medium');
    await h.settle(app, created.body.operation.id);
    const target = created.body.vm.placement.targetId;
    const reply = await h.call('GET', `/v1/targets/${target}`, { token: app });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.site).toBe('onprem');
    expect(reply.body.capacity.source).toBe('sandbox');
    expect(reply.body.capacity.resources.vcpus.limit).toBeGreaterThan(0);
    expect(reply.body.quotas.vcpus).toEqual({ limit: 12, used: 2, reserved: 0 });
    expect((await h.call('GET', '/v1/targets/no-such-target', { token: app })).status).toBe(404);
  });

  it('refuses malformed limits with a 400, limits over a site counter with a 422, and changes nothing', async () => {
    const admin = await h.token('quota-bad', ['admin']);
    for (const body of [
      { onprem: { instances: -1 } },
      { onprem: { cores: 3 } },
      { mars: { instances: 1 } },
      { onprem: { instances: 1.5 } },
    ]) {
      const reply = await h.call('PUT', '/v1/quotas/quota-bad', { token: admin, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
    }
    // Each limit well-formed, their sum over what one site's counter holds: a rule across fields (422).
    const tooMany = await h.call('PUT', '/v1/quotas/quota-bad', {
      token: admin,
      body: { onprem: { instances: 5000, volumes: 1 } },
    });
    expect(tooMany.status, tooMany.text).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'quota.limitsTooLarge', errors: [{ field: 'body.onprem' }] });
    expect((await quotasOf(admin)).onprem.instances.limit).toBe(2000);
  });
});
