import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** Quotas through the HTTP app on the sandbox: admission, release, placement, reconcile, authorization. */
describe('quotas', () => {
  let h: Harness;
  let operator: string;
  let tenantSeq = 0;

  beforeAll(async () => {
    h = await startHarness();
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    for (const p of h.broker.providers.all()) (p as SandboxProvider).faults.clear();
  });

  /** A fresh tenant with these limits set by an operator, and an app token for it. */
  const tenantWith = async (limits: Record<string, Record<string, number>>) => {
    const tenant = `quota-t${++tenantSeq}`;
    const set = await h.call('PUT', `/v1/quotas/${tenant}`, { token: operator, body: limits });
    expect(set.status, set.text).toBe(200);
    return { tenant, app: await h.token(tenant, ['app']) };
  };
  const createVm = (token: string, classification = 'phi', size = 'small', name = 'q') =>
    h.call('POST', '/v1/vms', { token, body: { name, size, image: 'ubuntu-24.04', classification } });
  const quotasOf = async (token: string) => {
    const reply = await h.call('GET', '/v1/quotas', { token });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  };
  const reconcile = async () => {
    const reply = await h.call('POST', '/v1/admin/reconcile', {
      token: operator,
      body: { orphanGraceMs: 0 },
    });
    expect(reply.status, reply.text).toBe(200);
    return reply.body;
  };
  const vmsOf = async (token: string) => (await h.call('GET', '/v1/vms?limit=100', { token })).body.items;

  it('admits exactly K of 3K parallel creates; the rest get 403 quota.exceeded naming the limit', async () => {
    const K = 4;
    const { app } = await tenantWith({ onprem: { instances: K } });
    const replies = await Promise.all(
      Array.from({ length: 3 * K }, (_, i) => createVm(app, 'phi', 'small', `k${i}`)),
    );
    const accepted = replies.filter((r) => r.status === 202);
    const refused = replies.filter((r) => r.status === 403);
    expect(accepted).toHaveLength(K);
    expect(refused).toHaveLength(2 * K);
    for (const r of refused) {
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.code).toBe('quota.exceeded');
      expect(r.body.details).toMatchObject({ site: 'onprem', resource: 'instances', limit: K, requested: 1 });
      expect(r.body.details.used + r.body.details.reserved).toBe(K);
    }
    // Nothing was created for the refused: K VM records, K held.
    expect(await vmsOf(app)).toHaveLength(K);
    const q = await quotasOf(app);
    expect(q.onprem.instances.used + q.onprem.instances.reserved).toBe(K);
    expect(q.onprem.vcpus.used + q.onprem.vcpus.reserved).toBe(K);
    // Confirmed by the cloud: reservations became usage.
    for (const r of accepted) expect((await h.settle(app, r.body.operation.id)).status).toBe('succeeded');
    const settled = await quotasOf(app);
    expect(settled.onprem.instances).toEqual({ limit: K, used: K, reserved: 0 });
    expect(settled.onprem.ramMiB.used).toBe(K * 2048);
  });

  it('releases what a VM held when it is deleted, and only once', async () => {
    const { app } = await tenantWith({ onprem: { instances: 1 } });
    const first = await createVm(app);
    expect(first.status, first.text).toBe(202);
    await h.settle(app, first.body.operation.id);
    expect((await createVm(app)).status).toBe(403);
    const deleted = await h.call('DELETE', `/v1/vms/${first.body.vm.id}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id)).status).toBe('succeeded');
    const q = await quotasOf(app);
    expect(q.onprem.instances).toEqual({ limit: 1, used: 0, reserved: 0 });
    expect(q.onprem.vcpus.used).toBe(0);
    // A second reconcile or a retried release changes nothing.
    await reconcile();
    expect((await quotasOf(app)).onprem.instances.used).toBe(0);
    expect((await createVm(app)).status).toBe(202);
  });

  it('releases the reservation of a create that failed', async () => {
    const { app } = await tenantWith({ onprem: { instances: 1 } });
    for (const p of h.broker.providers.all())
      if (p.target.site === 'onprem')
        (p as SandboxProvider).faults.set({
          rules: [{ type: 'fail', method: 'createServer', kind: 'capacity', count: 10 }],
        });
    const created = await createVm(app);
    expect(created.status, created.text).toBe(202);
    expect((await h.settle(app, created.body.operation.id)).status).toBe('failed');
    const q = await quotasOf(app);
    expect(q.onprem.instances).toEqual({ limit: 1, used: 0, reserved: 0 });
    for (const p of h.broker.providers.all()) (p as SandboxProvider).faults.clear();
    expect((await createVm(app)).status).toBe(202);
  });

  it('places a workload permitted on both sites where its quota has room; phi never leaves on-prem', async () => {
    const { app } = await tenantWith({ public: { instances: 0 } });
    const internal = await createVm(app, 'internal');
    expect(internal.status, internal.text).toBe(202);
    expect(internal.body.vm.placement.site).toBe('onprem');

    const full = await tenantWith({ onprem: { instances: 0 } });
    const elsewhere = await createVm(full.app, 'internal');
    expect(elsewhere.status, elsewhere.text).toBe(202);
    expect(elsewhere.body.vm.placement.site).toBe('public');
    const phi = await createVm(full.app, 'phi');
    expect(phi.status).toBe(403);
    expect(phi.body.code).toBe('quota.exceeded');
    expect(phi.body.details).toMatchObject({ site: 'onprem', resource: 'instances', limit: 0, used: 0 });
    expect(
      (await vmsOf(full.app)).filter((v: { classification: string }) => v.classification === 'phi'),
    ).toEqual([]);
  });

  it('refuses a resize that outgrows the quota and holds the new size of one that fits', async () => {
    const { app } = await tenantWith({ onprem: { vcpus: 3 } });
    const created = await createVm(app, 'phi', 'small');
    await h.settle(app, created.body.operation.id);
    const id = created.body.vm.id;
    const tooBig = await h.call('POST', `/v1/vms/${id}/actions`, {
      token: app,
      body: { type: 'resize', size: 'large' },
    });
    expect(tooBig.status, tooBig.text).toBe(403);
    expect(tooBig.body.details).toMatchObject({ resource: 'vcpus', limit: 3, requested: 3 });
    const fits = await h.call('POST', `/v1/vms/${id}/actions`, {
      token: app,
      body: { type: 'resize', size: 'medium' },
    });
    expect(fits.status, fits.text).toBe(202);
    expect((await h.settle(app, fits.body.operation.id)).status).toBe('succeeded');
    expect((await quotasOf(app)).onprem.vcpus).toEqual({ limit: 3, used: 2, reserved: 0 });
  });

  it('a crash between reservation and the cloud call leaks nothing after one reconcile', async () => {
    const { app } = await tenantWith({ onprem: { instances: 2 } });
    const operations = h.broker.stores.operations;
    const create = operations.create.bind(operations);
    // The process "dies" right after admission: the operation's write never happens.
    operations.create = () => new Promise(() => undefined);
    const abort = new AbortController();
    const lost = fetch(`${h.base}/v1/vms`, {
      method: 'POST',
      signal: abort.signal,
      headers: { authorization: `Bearer ${app}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lost', size: 'small', image: 'ubuntu-24.04', classification: 'phi' }),
    }).catch(() => undefined);
    try {
      await waitUntil(async () => (await quotasOf(app)).onprem.instances.reserved === 1);
    } finally {
      operations.create = create;
      abort.abort();
      await lost;
    }
    expect(await vmsOf(app)).toEqual([]);
    const report = await reconcile();
    expect(report.quotas.released).toBeGreaterThanOrEqual(1);
    expect((await quotasOf(app)).onprem.instances).toEqual({ limit: 2, used: 0, reserved: 0 });
  });

  it('rebuilds counters that were tampered with from inventory, and reports the drift', async () => {
    const { tenant, app } = await tenantWith({ onprem: { vcpus: 10 } });
    const created = await createVm(app, 'phi', 'medium');
    await h.settle(app, created.body.operation.id);
    const doc = DynamoDBDocumentClient.from(h.broker.dynamo);
    await doc.send(
      new UpdateCommand({
        TableName: 'hcb-broker',
        Key: { pk: `QUOTA#${tenant}`, sk: 'SITE#onprem' },
        UpdateExpression: 'SET held_vcpus = :n, used_vcpus = :n',
        ExpressionAttributeValues: { ':n': 10 },
      }),
    );
    expect((await createVm(app)).status).toBe(403);
    const report = await reconcile();
    expect(report.quotas.drift).toContainEqual({
      tenant,
      site: 'onprem',
      resource: 'vcpus',
      counted: 10,
      actual: 2,
    });
    expect((await quotasOf(app)).onprem.vcpus).toEqual({ limit: 10, used: 2, reserved: 0 });
    expect((await createVm(app)).status).toBe(202);
  });

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

  it('refuses malformed limits with a 400 and changes nothing', async () => {
    const admin = await h.token('quota-bad', ['admin']);
    for (const body of [
      { onprem: { instances: -1 } },
      { onprem: { cores: 3 } },
      { mars: { instances: 1 } },
      { onprem: { instances: 1.5 } },
      { onprem: { instances: 5000, volumes: 1 } },
    ]) {
      const reply = await h.call('PUT', '/v1/quotas/quota-bad', { token: admin, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
    }
    expect((await quotasOf(admin)).onprem.instances.limit).toBe(2000);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}
