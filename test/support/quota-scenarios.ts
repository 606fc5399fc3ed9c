import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import type { Site } from '../../core/model/target.ts';
import type { Harness } from './broker-harness.ts';

/** One cloud under test: where the workload goes, and how long its operations may take. */
export interface QuotaWorld {
  h: Harness;
  operator: string;
  site: Site;
  classification: string;
  targetId: string;
  settleMs: number;
}

let seq = 0;
const otherSite = (site: Site): Site => (site === 'onprem' ? 'public' : 'onprem');

/** A fresh tenant whose quota on the world's site is `instances` (none elsewhere, so nothing spills over). */
export async function tenantWith(w: QuotaWorld, limits: Record<string, number>) {
  const tenant = `qs-${w.site}-${process.pid}-${++seq}`;
  const body = { [w.site]: limits, [otherSite(w.site)]: { instances: 0 } };
  const set = await w.h.call('PUT', `/v1/quotas/${tenant}`, { token: w.operator, body });
  expect(set.status, set.text).toBe(200);
  return { tenant, app: await w.h.token(tenant, ['app']) };
}

const createVm = (w: QuotaWorld, token: string, name: string) =>
  w.h.call('POST', '/v1/vms', {
    token,
    body: { name, size: 'small', image: 'ubuntu-24.04', classification: w.classification },
  });

async function quotaOn(w: QuotaWorld, token: string) {
  const reply = await w.h.call('GET', '/v1/quotas', { token });
  expect(reply.status, reply.text).toBe(200);
  return reply.body[w.site];
}

async function reconcile(w: QuotaWorld) {
  const reply = await w.h.call('POST', '/v1/admin/reconcile', {
    token: w.operator,
    body: { orphanGraceMs: 0 },
  });
  expect(reply.status, reply.text).toBe(200);
  return reply.body;
}

/** Limit K, 3K parallel creates: exactly K accepted (on the world's target), used == K once confirmed. */
export async function exactlyKOfThreeK(w: QuotaWorld, k: number): Promise<string[]> {
  const { app } = await tenantWith(w, { instances: k });
  const replies = await Promise.all(Array.from({ length: 3 * k }, (_, i) => createVm(w, app, `k-${i}`)));
  const accepted = replies.filter((r) => r.status === 202);
  expect(accepted).toHaveLength(k);
  for (const r of replies.filter((x) => x.status !== 202)) {
    expect(r.status, r.text).toBe(403);
    expect(r.body.details).toMatchObject({ site: w.site, resource: 'instances', limit: k, requested: 1 });
  }
  for (const r of accepted) {
    expect(r.body.vm.placement.targetId).toBe(w.targetId);
    expect((await w.h.settle(app, r.body.operation.id, w.settleMs)).status).toBe('succeeded');
  }
  expect((await quotaOn(w, app)).instances).toEqual({ limit: k, used: k, reserved: 0 });
  // Deleting releases what each held.
  for (const r of accepted) {
    const deleted = await w.h.call('DELETE', `/v1/vms/${r.body.vm.id}`, { token: app });
    expect((await w.h.settle(app, deleted.body.operation.id, w.settleMs)).status).toBe('succeeded');
  }
  expect((await quotaOn(w, app)).instances).toEqual({ limit: k, used: 0, reserved: 0 });
  return accepted.map((r) => r.body.vm.id);
}

/** A create the cloud refuses for good releases its reservation. */
export async function releasesOnFailedCreate(w: QuotaWorld): Promise<void> {
  const { app } = await tenantWith(w, { instances: 1 });
  const compute = w.h.broker.providers.get(w.targetId).compute;
  const createServer = compute.createServer.bind(compute);
  compute.createServer = () =>
    Promise.reject(new BrokerError('cloud.invalid', 'the cloud refused the request'));
  try {
    const created = await createVm(w, app, 'doomed');
    expect(created.status, created.text).toBe(202);
    expect((await w.h.settle(app, created.body.operation.id, w.settleMs)).status).toBe('failed');
  } finally {
    compute.createServer = createServer;
  }
  expect((await quotaOn(w, app)).instances).toEqual({ limit: 1, used: 0, reserved: 0 });
}

/** The process dies between admission and the cloud call: one reconcile leaves nothing reserved. */
export async function crashLeavesNoReservation(w: QuotaWorld): Promise<void> {
  const { app } = await tenantWith(w, { instances: 2 });
  const operations = w.h.broker.stores.operations;
  const create = operations.create.bind(operations);
  operations.create = () => new Promise(() => undefined);
  const abort = new AbortController();
  const lost = fetch(`${w.h.base}/v1/vms`, {
    method: 'POST',
    signal: abort.signal,
    headers: { authorization: `Bearer ${app}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'lost',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: w.classification,
    }),
  }).catch(() => undefined);
  try {
    for (let i = 0; (await quotaOn(w, app)).instances.reserved !== 1; i++) {
      if (i > 200) throw new Error('the lost create never reserved');
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    operations.create = create;
    abort.abort();
    await lost;
  }
  const report = await reconcile(w);
  expect(report.quotas.released).toBeGreaterThanOrEqual(1);
  expect((await quotaOn(w, app)).instances).toEqual({ limit: 2, used: 0, reserved: 0 });
}

/** Counters tampered with by hand are rebuilt from inventory by one reconcile, which reports the drift. */
export async function tamperedCountersRebuilt(w: QuotaWorld): Promise<void> {
  const { tenant, app } = await tenantWith(w, { instances: 3 });
  const created = await createVm(w, app, 'kept');
  expect((await w.h.settle(app, created.body.operation.id, w.settleMs)).status).toBe('succeeded');
  await DynamoDBDocumentClient.from(w.h.broker.dynamo).send(
    new UpdateCommand({
      TableName: 'hcb-broker',
      Key: { pk: `QUOTA#${tenant}`, sk: `SITE#${w.site}` },
      UpdateExpression: 'SET held_instances = :n, used_instances = :n',
      ExpressionAttributeValues: { ':n': 3 },
    }),
  );
  expect((await createVm(w, app, 'refused')).status).toBe(403);
  const report = await reconcile(w);
  expect(report.quotas.drift).toContainEqual({
    tenant,
    site: w.site,
    resource: 'instances',
    counted: 3,
    actual: 1,
  });
  expect((await quotaOn(w, app)).instances).toEqual({ limit: 3, used: 1, reserved: 0 });
  const deleted = await w.h.call('DELETE', `/v1/vms/${created.body.vm.id}`, { token: app });
  await w.h.settle(app, deleted.body.operation.id, w.settleMs);
}

/** `GET /v1/targets/{id}` shows the cloud's own limits from `source`. */
export async function capacityShown(w: QuotaWorld, source: string): Promise<Record<string, unknown>> {
  const { app } = await tenantWith(w, { instances: 4 });
  const reply = await w.h.call('GET', `/v1/targets/${w.targetId}`, { token: app });
  expect(reply.status, reply.text).toBe(200);
  expect(reply.body.capacity.source, JSON.stringify(reply.body.capacity)).toBe(source);
  expect(reply.body.quotas.instances).toEqual({ limit: 4, used: 0, reserved: 0 });
  return reply.body.capacity.resources;
}
