import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** `GET /v1/policies` and `/v1/policies/tests` on the shipped app: read-only, Cedar-authorized, tenant-scoped. */
describe('the policy bundle and its tests over the API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('answers the bundle with its hash, files and policies with @id and reason', async () => {
    const token = await h.token('mercy-clinic', ['app']);
    const reply = await h.call('GET', '/v1/policies', { token });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(reply.body.files).toEqual(expect.arrayContaining(['placement.cedar', 'api.cedar']));
    const phi = reply.body.policies.find((p: { id: string }) => p.id === 'place.phi-onprem-only');
    expect(phi).toMatchObject({
      effect: 'forbid',
      file: 'placement.cedar',
      reason: 'phi workloads run only on on-prem targets (I1)',
    });
    expect(phi.line).toBeGreaterThan(0);
    // The hash is the one placement decisions record.
    const simulated = await h.call('POST', '/v1/placements/simulate', {
      token,
      body: { kind: 'vm', classification: 'phi' },
    });
    expect(simulated.body.decision.bundleHash).toBe(reply.body.hash);
  });

  it("shows a tenant no other tenant's exceptions; that tenant sees its own", async () => {
    const ids = async (tenant: string) =>
      (await h.call('GET', '/v1/policies', { token: await h.token(tenant, ['admin']) })).body.policies.map(
        (p: { id: string }) => p.id,
      ) as string[];
    const own = await ids('demo-research');
    const other = await ids('mercy-clinic');
    const exceptions = own.filter((id) => !other.includes(id));
    expect(exceptions.length).toBeGreaterThan(0);
    expect(other.length).toBeGreaterThan(0);
  });

  it('answers the policy tests, every one passing against the shipped bundle', async () => {
    const token = await h.token('mercy-clinic', ['auditor']);
    const reply = await h.call('GET', '/v1/policies/tests', { token });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.available).toBe(true);
    expect(reply.body.failed).toBe(0);
    expect(reply.body.passed).toBe(reply.body.cases.length);
    expect(reply.body.cases.length).toBeGreaterThan(10);
    expect(new Set(reply.body.cases.map((c: { kind: string }) => c.kind))).toEqual(
      new Set(['placement', 'authorization', 'flow']),
    );
  });

  it('refuses without a token, without a role, and as another tenant unless operator', async () => {
    expect((await h.call('GET', '/v1/policies')).status).toBe(401);
    const none = await h.token('mercy-clinic', []);
    const denied = await h.call('GET', '/v1/policies/tests', { token: none });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('content-type')).toContain('application/problem+json');
    const admin = await h.token('mercy-clinic', ['admin']);
    expect((await h.call('GET', '/v1/policies?tenant=demo-research', { token: admin })).status).toBe(403);
    const operator = await h.token('platform', ['operator']);
    const asOperator = await h.call('GET', '/v1/policies?tenant=demo-research', { token: operator });
    expect(asOperator.status).toBe(200);
    expect((await h.call('GET', '/v1/policies?tenant=Not_A_Tenant', { token: operator })).status).toBe(400);
  });
});
