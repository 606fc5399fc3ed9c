import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Vm } from '../../core/model/vm.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/**
 * Service endpoints — the only way flow policy lets a public-site workload reach an on-prem VM — are
 * designated by an admin of the tenant, audited, and never taken from the requester's tags: an app that
 * tags its own on-prem VM `service-endpoint=true` gains nothing.
 */
describe('service endpoints are an admin designation, not a tag', () => {
  let h: Harness;
  let app: string;
  let admin: string;
  let auditor: string;
  let publicVm: Vm;
  let onpremVm: Vm;

  const vm = async (name: string, extra: Record<string, unknown> = {}) => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name, size: 'small', image: 'ubuntu-24.04', classification: 'internal', ...extra },
    });
    expect(reply.status, reply.text).toBe(202);
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    return (await h.call('GET', `/v1/vms/${reply.body.vm.id}`, { token: app })).body as Vm;
  };
  const link = (to: string, port: number) =>
    h.call('POST', '/v1/links', {
      token: app,
      body: { from: { vmId: publicVm.id }, to: { vmId: to }, port, protocol: 'tcp' },
    });
  const designation = (method: 'PUT' | 'DELETE', id: string, token: string) =>
    h.call(method, `/v1/vms/${id}/service-endpoint`, { token });

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-se', ['app']);
    admin = await h.token('tenant-se', ['admin'], 'it-admin@tenant-se');
    auditor = await h.token('tenant-se', ['auditor']);
    publicVm = await vm('web', { region: 'us-east-1' });
    onpremVm = await vm('records', { region: 'north' });
    expect(publicVm.placement?.site).toBe('public');
    expect(onpremVm.placement?.site).toBe('onprem');
  });
  afterAll(() => h.close());

  it('refuses the tag: service-endpoint is a reserved tag key', async () => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name: 'sneaky',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'internal',
        region: 'north',
        tags: { 'service-endpoint': 'true' },
      },
    });
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain('body.tags.service-endpoint');
  });

  it('ignores the tag on a VM that carries it from before: the link is still denied', async () => {
    // A record as an older broker would have stored it, tagged by its app.
    const stored = (await h.broker.stores.vms.get('tenant-se', onpremVm.id))!;
    const tagged: Vm = {
      ...stored,
      id: 'vm-01jb2x3y4z5a6b7c8d9e0f1g2h',
      name: 'legacy-tagged',
      tags: { 'service-endpoint': 'true' },
    };
    delete tagged.serviceEndpoint;
    await h.broker.stores.vms.create(tagged);
    const reply = await link(tagged.id, 8443);
    expect(reply.status, reply.text).toBe(403);
    expect(reply.body.code).toBe('link.denied');
    expect(reply.body.details.policies).toEqual(['builtin.default-deny']);
  });

  it('an app cannot designate its own VM; an admin can, and it is audited', async () => {
    expect((await link(onpremVm.id, 443)).status).toBe(403);

    for (const token of [app, auditor]) {
      const refused = await designation('PUT', onpremVm.id, token);
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.code).toBe('auth.forbidden');
    }
    expect((await h.call('GET', `/v1/vms/${onpremVm.id}`, { token: app })).body.serviceEndpoint).toBe(false);

    const designated = await designation('PUT', onpremVm.id, admin);
    expect(designated.status, designated.text).toBe(200);
    expect(designated.body).toMatchObject({ id: onpremVm.id, serviceEndpoint: true });

    const permitted = await link(onpremVm.id, 443);
    expect(permitted.status, permitted.text).toBe(201);
    expect(permitted.body.policies).toEqual(['flow.onprem-via-service-endpoints']);

    const withdrawn = await designation('DELETE', onpremVm.id, admin);
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(withdrawn.body.serviceEndpoint).toBe(false);
    expect((await link(onpremVm.id, 8080)).status).toBe(403);

    const trail = await h.call('GET', '/v1/audit?action=vm.serviceEndpoint&limit=10', { token: auditor });
    expect(
      trail.body.items.map((r: { actor: { sub: string }; outcome: string; httpStatus: number }) => [
        r.actor.sub,
        r.outcome,
        r.httpStatus,
      ]),
    ).toEqual([
      ['it-admin@tenant-se', 'succeeded', 200],
      ['it-admin@tenant-se', 'succeeded', 200],
      [expect.stringContaining('auditor'), 'denied', 403],
      [expect.stringContaining('app'), 'denied', 403],
    ]);
  });

  it("an admin cannot designate another tenant's VM", async () => {
    const stranger = await h.token('tenant-se-other', ['admin']);
    const reply = await designation('PUT', onpremVm.id, stranger);
    expect(reply.status, reply.text).toBe(404);
  });
});
