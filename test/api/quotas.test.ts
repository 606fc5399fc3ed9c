import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { quotaKit } from '../support/quota-kit.ts';

/** Quotas through the HTTP app on the sandbox: admission, release, placement, reconcile, authorization. */
describe('quotas', () => {
  let h: Harness;
  let operator: string;
  const _tenantSeq = 0;

  beforeAll(async () => {
    h = await startHarness();
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    for (const p of h.broker.providers.all()) (p as SandboxProvider).faults.clear();
  });

  const { tenantWith, createVm, quotasOf, reconcile, vmsOf } = quotaKit(
    () => h,
    () => operator,
    'quota-t',
  );

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
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}
