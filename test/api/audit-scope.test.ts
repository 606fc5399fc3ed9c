import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** A tenant's audit trail is its own: its auditors and admins read nothing of another tenant's (I6). */
describe('audit reads are tenant-scoped', () => {
  let h: Harness;
  let vmOfA: string;
  let vmOfB: string;

  beforeAll(async () => {
    h = await startHarness();
    const create = async (tenant: string) => {
      const token = await h.token(tenant, ['app']);
      const reply = await h.call('POST', '/v1/vms', {
        token,
        body: { name: 'audited', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
      });
      expect(reply.status).toBe(202);
      return reply.body.vm.id as string;
    };
    vmOfA = await create('audit-a');
    vmOfB = await create('audit-b');
  });
  afterAll(() => h.close());

  it("refuses an auditor or admin asking for another tenant's records (403, api.tenant-isolation)", async () => {
    for (const role of ['auditor', 'admin'] as const) {
      const token = await h.token('audit-b', [role]);
      const reply = await h.call('GET', '/v1/audit?tenant=audit-a', { token });
      expect(reply.status, role).toBe(403);
      expect(reply.body.code).toBe('auth.forbidden');
      expect(reply.body.details.policies).toEqual(['api.tenant-isolation']);
      expect(reply.text).not.toContain(vmOfA);
    }
  });

  it("lists only the caller's own tenant's records when no tenant is named", async () => {
    const token = await h.token('audit-b', ['auditor']);
    const reply = await h.call('GET', '/v1/audit?limit=100', { token });
    expect(reply.status).toBe(200);
    expect(reply.body.items.length).toBeGreaterThan(0);
    expect(reply.text).toContain(vmOfB);
    expect(reply.text).not.toContain(vmOfA);
    for (const record of reply.body.items) expect(record.resource.tenant).toBe('audit-b');
  });

  it('names its own tenant freely, and other filters stay within it', async () => {
    const token = await h.token('audit-b', ['auditor']);
    const own = await h.call('GET', '/v1/audit?tenant=audit-b&action=vm.create', { token });
    expect(own.status).toBe(200);
    expect(own.body.items.map((r: { resource: { id: string } }) => r.resource.id)).toEqual([vmOfB]);
  });

  it("lets an operator read a named tenant's records, and only that tenant's", async () => {
    const token = await h.token('platform', ['operator']);
    const ofA = await h.call('GET', '/v1/audit?tenant=audit-a&limit=100', { token });
    expect(ofA.status).toBe(200);
    expect(ofA.text).toContain(vmOfA);
    expect(ofA.text).not.toContain(vmOfB);
    const own = await h.call('GET', '/v1/audit?limit=100', { token });
    expect(own.status).toBe(200);
    expect(own.body.items).toEqual([]);
  });

  it('refuses a malformed tenant name (400 naming query.tenant)', async () => {
    const token = await h.token('audit-b', ['auditor']);
    for (const query of ['tenant=Audit_A', 'tenant=audit-a&tenant=audit-b']) {
      const reply = await h.call('GET', `/v1/audit?${query}`, { token });
      expect(reply.status, query).toBe(400);
      expect(reply.body.errors[0].field).toBe('query.tenant');
    }
  });
});
