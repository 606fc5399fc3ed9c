import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

describe('tenant isolation (I6) and identity', () => {
  let h: Harness;
  let a: string;
  let b: string;
  let vmId: string;
  let opId: string;

  beforeAll(async () => {
    h = await startHarness();
    a = await h.token('tenant-a', ['app']);
    b = await h.token('tenant-b', ['app']);
    const created = await h.call('POST', '/v1/vms', {
      token: a,
      body: { name: 'a-only', size: 'small', image: 'ubuntu-24.04', classification: 'pii' },
    });
    vmId = created.body.vm.id;
    opId = created.body.operation.id;
    await h.settle(a, opId);
  });
  afterAll(() => h.close());

  it("answers 404 for another tenant's VM on every route, and changes nothing", async () => {
    for (const [method, path, body] of [
      ['GET', `/v1/vms/${vmId}`, undefined],
      ['POST', `/v1/vms/${vmId}/actions`, { type: 'stop' }],
      ['DELETE', `/v1/vms/${vmId}`, undefined],
      ['GET', `/v1/operations/${opId}`, undefined],
    ] as const) {
      const reply = await h.call(method, path, { token: b, ...(body ? { body } : {}) });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
    const still = await h.call('GET', `/v1/vms/${vmId}`, { token: a });
    expect(still.body).toMatchObject({ status: 'active', id: vmId });
  });

  it("lists only the caller's VMs", async () => {
    const ofB = await h.call('GET', '/v1/vms', { token: b });
    expect(ofB.body.items).toEqual([]);
    const ofA = await h.call('GET', '/v1/vms', { token: a });
    expect(ofA.body.items.map((v: { id: string }) => v.id)).toEqual([vmId]);
  });

  it('refuses requests without a valid token (401 + WWW-Authenticate)', async () => {
    const none = await h.call('GET', '/v1/vms');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.code).toBe('auth.missingToken');
    expect((await h.call('GET', '/v1/vms', { headers: { authorization: 'Basic abc' } })).body.code).toBe(
      'auth.invalidToken',
    );
    expect((await h.call('GET', '/v1/vms', { token: 'not.a.jwt' })).status).toBe(401);
  });

  it('refuses tokens signed by another key, for another audience, or expired', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ tenant: 'tenant-a', roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('mallory')
      .setIssuer('hcb-local')
      .setAudience('hcb-api')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await h.call('GET', '/v1/vms', { token: forged })).status).toBe(401);
    const expired = await h.token('tenant-a', ['app']).then(async () => {
      const { mintDevToken, loadOrCreateDevKey } = await import('../../auth/dev-signing-key.ts');
      return mintDevToken(await loadOrCreateDevKey(h.dataDir), {
        tenant: 'tenant-a',
        roles: ['app'],
        ttlSeconds: -120,
      });
    });
    const reply = await h.call('GET', '/v1/vms', { token: expired });
    expect(reply.status).toBe(401);
    expect(reply.body.detail).toContain('expired');
  });

  it('keeps roles apart: auditors cannot create, apps cannot read the audit log', async () => {
    const auditor = await h.token('tenant-a', ['auditor']);
    const denied = await h.call('POST', '/v1/vms', {
      token: auditor,
      body: { name: 'x', size: 'small', image: 'ubuntu-24.04', classification: 'public' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('auth.forbidden');
    expect(denied.body.details.policies.length).toBeGreaterThan(0);
    expect((await h.call('GET', '/v1/audit', { token: a })).status).toBe(403);
    expect((await h.call('GET', '/v1/audit', { token: auditor })).status).toBe(200);
    const noRoles = await h.token('tenant-a', []);
    expect((await h.call('GET', '/v1/vms', { token: noRoles })).status).toBe(403);
  });

  it('answers unknown routes 404 and wrong methods 405 with Allow', async () => {
    const unknown = await h.call('GET', '/v1/nothing-here', { token: a });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('route.notFound');
    const wrong = await h.call('PATCH', `/v1/vms/${vmId}`, { token: a, body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('DELETE, GET, HEAD');
  });

  it('serves liveness, the OpenAPI document and the docs without a token', async () => {
    expect((await h.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const doc = await h.call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/vms',
      '/v1/vms/{id}',
      '/v1/vms/{id}/actions',
      '/v1/operations/{id}',
      '/v1/targets',
      '/v1/audit',
    ])
      expect(Object.keys(doc.body.paths), path).toContain(path);
    const docs = await h.call('GET', '/docs');
    expect(docs.text).toContain('swagger-ui');
    expect((await fetch(`${h.base}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  });
});

describe('idempotency (I4)', () => {
  let h: Harness;
  let token: string;
  const body = { name: 'idem', size: 'small', image: 'ubuntu-24.04', classification: 'internal' };

  beforeAll(async () => {
    h = await startHarness();
    token = await h.token('tenant-i', ['app']);
  });
  afterAll(() => h.close());

  const count = async () => (await h.call('GET', '/v1/vms?limit=100', { token })).body.items.length;

  it('replays the first response for the same key and body', async () => {
    const first = await h.call('POST', '/v1/vms', { token, body, headers: { 'idempotency-key': 'k-seq-1' } });
    const again = await h.call('POST', '/v1/vms', { token, body, headers: { 'idempotency-key': 'k-seq-1' } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.vm.id).toBe(first.body.vm.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await count()).toBe(1);
  });

  it('refuses the same key with a different body (422) and creates nothing', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token,
      body: { ...body, name: 'other' },
      headers: { 'idempotency-key': 'k-seq-1' },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.code).toBe('idempotency.keyReused');
    expect(await count()).toBe(1);
  });

  it('scopes keys per tenant', async () => {
    const other = await h.token('tenant-j', ['app']);
    const reply = await h.call('POST', '/v1/vms', {
      token: other,
      body,
      headers: { 'idempotency-key': 'k-seq-1' },
    });
    expect(reply.status).toBe(202);
    expect(reply.headers.get('idempotent-replayed')).toBeNull();
  });

  it('creates exactly one VM for concurrent duplicates', async () => {
    const before = await count();
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.call('POST', '/v1/vms', {
          token,
          body: { ...body, name: 'concurrent' },
          headers: { 'idempotency-key': 'k-conc' },
        }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(new Set(replies.map((r) => r.body.vm.id)).size).toBe(1);
    expect(await count()).toBe(before + 1);
  });

  it('makes actions and deletes idempotent too', async () => {
    const created = await h.call('POST', '/v1/vms', { token, body: { ...body, name: 'act-idem' } });
    await h.settle(token, created.body.operation.id);
    const path = `/v1/vms/${created.body.vm.id}/actions`;
    const first = await h.call('POST', path, {
      token,
      body: { type: 'stop' },
      headers: { 'idempotency-key': 'stop-1' },
    });
    const again = await h.call('POST', path, {
      token,
      body: { type: 'stop' },
      headers: { 'idempotency-key': 'stop-1' },
    });
    expect(again.body.operation.id).toBe(first.body.operation.id);
    await h.settle(token, first.body.operation.id);
    const del = `/v1/vms/${created.body.vm.id}`;
    const d1 = await h.call('DELETE', del, { token, headers: { 'idempotency-key': 'del-1' } });
    const d2 = await h.call('DELETE', del, { token, headers: { 'idempotency-key': 'del-1' } });
    expect(d2.status).toBe(202);
    expect(d2.body.operation.id).toBe(d1.body.operation.id);
  });

  it('rejects malformed keys', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token,
      body,
      headers: { 'idempotency-key': 'x'.repeat(300) },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].field).toBe('header.idempotency-key');
  });
});
