import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../core/model/principal.ts';
import { type Harness, type Reply, startHarness } from '../support/broker-harness.ts';
import {
  BACKUP_POLICY_BODY,
  BODIES,
  type Kind,
  type Probe,
  type ProbeWorld,
  probesFor,
  type Route,
  routeKey,
} from '../support/tenant-probes.ts';

/**
 * I6 as a matrix: every route of the app × the other tenant's ids (in the path, the body, list filters,
 * `?tenant=`, its cursors) × every role of tenant B. Nothing of tenant A may show, nothing of A may change,
 * and an answer about A's thing must equal the answer about a thing that exists nowhere — so B cannot even
 * learn that A's ids exist. Operators are the exception by design: they read A when they name it.
 */

const ROLES: Record<string, Role[]> = {
  app: ['app'],
  admin: ['admin'],
  auditor: ['auditor'],
  operator: ['operator'],
  none: [],
};
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Operators run the platform: fault injection and reconcile answer 2xx whatever tenant the request names. */
const OPERATOR_MUTATIONS = new Set([
  'PUT /v1/sandbox/targets/:id/faults',
  'POST /v1/admin/reconcile',
  // Operators set any tenant's quotas (the tenant is the path's, not the caller's).
  'PUT /v1/quotas/:tenant',
]);
/** POST routes that only read (an operator may run them for another tenant). */
const READ_POSTS = new Set(['POST /v1/placements/simulate']);
/** Platform reports across every tenant: an operator's to read (and they name tenants); nobody else's. */
const OPERATOR_PLATFORM_READS = new Set(['GET /v1/usage/all']);
/** Platform reads whose answer changes with every request (counters): an operator's two answers differ. */
const LIVE_PLATFORM_READS = new Set(['GET /metrics']);

describe('tenant isolation matrix (I6): every route × another tenant’s ids × every role', () => {
  let h: Harness;
  let world: ProbeWorld;
  let secrets: string[];
  let routes: Route[];
  const marker = `zq${randomBytes(4).toString('hex')}`;
  const tenantA = `ta-${marker}`;
  const tenantB = `tb-${randomBytes(4).toString('hex')}`;
  const tokens: Record<string, string> = {};
  const before: Record<string, number> = {};

  beforeAll(async () => {
    h = await startHarness();
    const a = await h.token(tenantA, ['app']);
    let n = 0;
    const asA = async (method: string, path: string, body?: unknown) => {
      const reply = await h.call(method, path, {
        token: a,
        ...(body ? { body } : {}),
        headers: { 'x-request-id': `${marker}-req-${n++}` },
      });
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300);
      if (reply.body?.operation) await h.settle(a, reply.body.operation.id);
      return reply.body;
    };
    const vm = await asA('POST', '/v1/vms', {
      name: `${marker}-vm`,
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'internal',
    });
    const volume = await asA('POST', '/v1/volumes', {
      name: `${marker}-vol`,
      sizeGiB: 1,
      classification: 'internal',
    });
    const snapshot = await asA('POST', `/v1/volumes/${volume.volume.id}/snapshots`, {
      name: `${marker}-snap`,
    });
    const bucket = await asA('POST', '/v1/buckets', { name: `${marker}-bkt`, classification: 'internal' });
    const link = await asA('POST', '/v1/links', {
      from: { vmId: vm.vm.id },
      to: { cidr: '10.20.0.0/16' },
      port: 443,
      protocol: 'tcp',
    });
    await asA('POST', `/v1/vms/${vm.vm.id}/actions`, { type: 'snapshot', name: `${marker}-img` });
    const image = (await asA('GET', '/v1/images')).items[0];
    const webhook = await h.call('POST', '/v1/webhooks', {
      token: await h.token(tenantA, ['admin']),
      body: { url: 'http://127.0.0.1:9/hook', events: ['operation.failed'] },
    });
    expect(webhook.status, webhook.text).toBe(201);
    const network = await h.call('POST', '/v1/networks', {
      token: await h.token(tenantA, ['admin']),
      body: { name: `${marker}-net`, classification: 'internal', cidr: '10.61.0.0/24' },
    });
    expect(network.status, network.text).toBe(202);
    await h.settle(a, network.body.operation.id);
    const backupPolicy = await h.call('POST', '/v1/backup-policies', {
      token: await h.token(tenantA, ['admin']),
      body: BACKUP_POLICY_BODY,
    });
    expect(backupPolicy.status, backupPolicy.text).toBe(201);
    const auditorA = await h.token(tenantA, ['auditor']);
    const trail = await h.call('GET', '/v1/audit?limit=1', { token: auditorA });
    expect(trail.body.nextCursor).toBeTruthy();

    const b = await h.token(tenantB, ['app']);
    const ownVm = await h.call('POST', '/v1/vms', {
      token: b,
      body: { name: 'b-vm', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
    });
    await h.settle(b, ownVm.body.operation.id);
    const ownVolume = await h.call('POST', '/v1/volumes', {
      token: b,
      body: { name: 'b-vol', sizeGiB: 1, classification: 'internal' },
    });
    await h.settle(b, ownVolume.body.operation.id);

    const foreign: Record<Kind, string> = {
      vm: vm.vm.id,
      volume: volume.volume.id,
      snapshot: snapshot.snapshot.id,
      bucket: bucket.bucket.id,
      network: network.body.network.id,
      link: link.id,
      image: image.id,
      operation: vm.operation.id,
      webhook: webhook.body.id,
      backupPolicy: backupPolicy.body.id,
    };
    world = {
      foreignTenant: tenantA,
      foreign,
      own: { vm: ownVm.body.vm.id, volume: ownVolume.body.volume.id },
      foreignCursor: trail.body.nextCursor,
      targetId: 'sandbox-onprem-north',
    };
    // Anything that would show A: its ids, names, request ids, tenant.
    secrets = [...Object.values(foreign), marker];
    for (const [role, roles] of Object.entries(ROLES)) tokens[role] = await h.token(tenantB, roles);
    for (const [kind, id] of Object.entries(foreign))
      before[kind] = (await h.call('GET', `/v1/${kind}s/${id}`, { token: a })).status;

    const seen = new Set<string>();
    routes = h.broker.app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'))
      .map((r) => ({ method: r.method, path: r.path }))
      .filter((r) => !seen.has(routeKey(r)) && seen.add(routeKey(r)));
  }, 120_000);
  afterAll(() => h.close());

  it('covers every route of the OpenAPI document, with a reachable body for each mutating one', async () => {
    const doc = (await h.call('GET', '/openapi.json')).body;
    const keys = new Set(routes.map(routeKey));
    for (const [path, operations] of Object.entries(doc.paths as Record<string, object>))
      for (const [method, operation] of Object.entries(
        operations as Record<string, { requestBody?: unknown }>,
      )) {
        const key = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
        expect(keys, key).toContain(key);
        if (operation.requestBody) expect(Object.keys(BODIES), `${key} needs a probe body`).toContain(key);
      }
    expect(routes.length).toBeGreaterThanOrEqual(40);
  });

  const run = async (probe: Probe, role: string) => {
    const send = (r: Probe['foreign']) =>
      h.call(probe.route.method, r.url, {
        token: tokens[role]!,
        ...(r.body === undefined ? {} : { body: r.body }),
      });
    return { foreign: await send(probe.foreign), twin: await send(probe.twin) };
  };

  const check = (probe: Probe, role: string, foreign: Reply, twin: Reply, failures: string[]) => {
    const key = routeKey(probe.route);
    const what = `${role} ${probe.via} ${probe.route.method} ${probe.foreign.url}`;
    const readsA =
      role === 'operator' &&
      probe.via === 'tenant' &&
      probe.route.path.startsWith('/v1/') &&
      (probe.route.method === 'GET' || READ_POSTS.has(key));
    if (readsA || (role === 'operator' && OPERATOR_PLATFORM_READS.has(key))) {
      if (foreign.status !== 200) failures.push(`${what}: operator read answered ${foreign.status}`);
      return;
    }
    const sent = JSON.stringify(probe.foreign);
    // An operator's metrics name each tenant in the quota gauges' `tenant` label, and nowhere else.
    const shown =
      role === 'operator' && LIVE_PLATFORM_READS.has(key)
        ? foreign.text.replaceAll(`tenant="${tenantA}"`, 'tenant=""')
        : foreign.text;
    const leaked = secrets.filter((s) => !sent.includes(s) && shown.includes(s));
    if (leaked.length > 0) failures.push(`${what}: shows ${leaked.join(', ')}`);
    if (role === 'operator' && LIVE_PLATFORM_READS.has(key)) {
      if (foreign.status !== 200) failures.push(`${what}: operator read answered ${foreign.status}`);
      return;
    }
    const shape = (r: Reply, url: string) =>
      `${r.status} ${typeof r.body === 'object' && r.body ? (r.body.code ?? '') : r.text.split(url).join('')}`;
    const [f, t] = [shape(foreign, probe.foreign.url), shape(twin, probe.twin.url)];
    if (f.replace(/\S+-0\w{25}/g, 'ID') !== t.replace(/\S+-0\w{25}/g, 'ID') && f !== t)
      failures.push(`${what}: answers ${f} but ${t} for nothing`);
    const mutationAllowed = role === 'operator' && OPERATOR_MUTATIONS.has(key);
    if (MUTATING.has(probe.route.method) && !READ_POSTS.has(key) && foreign.status < 300 && !mutationAllowed)
      failures.push(`${what}: changed something (${foreign.status})`);
  };

  const sweep = async (mutating: boolean) => {
    const failures: string[] = [];
    const tasks = routes
      .filter((r) => MUTATING.has(r.method) === mutating)
      .flatMap((route) => probesFor(route, world))
      .flatMap((probe) => Object.keys(ROLES).map((role) => ({ probe, role })));
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < tasks.length; i = next++) {
        const { probe, role } = tasks[i]!;
        const { foreign, twin } = await run(probe, role);
        check(probe, role, foreign, twin, failures);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    return { failures, count: tasks.length };
  };

  // Reads first: afterwards B's own audit trail holds the foreign ids B itself sent.
  it('shows B nothing of A on any read, answers A’s ids like nonexistent ones, and lets operators read A', async () => {
    const { failures, count } = await sweep(false);
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(500);
  }, 240_000);

  it('lets no role of B change anything of A, and answers alike for A’s ids and nonexistent ones', async () => {
    const { failures, count } = await sweep(true);
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(500);
    const a = await h.token(tenantA, ['app']);
    for (const [kind, id] of Object.entries(world.foreign)) {
      const after = await h.call('GET', `/v1/${kind}s/${id}`, { token: a });
      expect(after.status, `${kind} ${id}`).toBe(before[kind]);
      if (after.status === 200) expect(after.body.status ?? 'n/a').not.toMatch(/delet|stopp|detach/);
    }
  }, 240_000);

  it("keeps B's audit trail to B's own records, and shows operators A's when they name it", async () => {
    const ofB = await h.call('GET', '/v1/audit?limit=100', { token: tokens.auditor! });
    expect(ofB.status).toBe(200);
    expect(ofB.body.items.length).toBeGreaterThan(0);
    for (const record of ofB.body.items) {
      expect(record.resource.tenant).toBe(tenantB);
      expect(record.actor.tenant).toBe(tenantB);
    }
    const ofA = await h.call('GET', `/v1/audit?tenant=${tenantA}&limit=100`, { token: tokens.operator! });
    expect(ofA.status).toBe(200);
    expect(ofA.text).toContain(world.foreign.vm);
    expect(ofA.body.items.every((r: { resource: { tenant: string } }) => r.resource.tenant === tenantA)).toBe(
      true,
    );
  });
});
