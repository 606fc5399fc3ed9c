import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

type VmBody = {
  id: string;
  status: string;
  placement: { targetId: string; site: string };
  addresses: { ip: string; type: 'private' | 'public' }[];
};

/**
 * Public addresses over the API on the embedded default: allocated where `expose` allows (never phi or
 * pii, on any site), shown on the VM as `public`, released on request and with the VM, and a leaked one
 * (allocated, never recorded, its VM deleted) reported by the reconciler.
 */
describe('public addresses: POST / DELETE /v1/vms/{id}/addresses', () => {
  let h: Harness;
  let app: string;
  let auditor: string;
  let operator: string;

  const vm = async (name: string, classification: string, region?: string): Promise<VmBody> => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name, size: 'small', image: 'ubuntu-24.04', classification, ...(region ? { region } : {}) },
    });
    expect(reply.status, reply.text).toBe(202);
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    return (await h.call('GET', `/v1/vms/${reply.body.vm.id}`, { token: app })).body;
  };
  const publicOf = (v: VmBody) => v.addresses.filter((a) => a.type === 'public');
  /** Public addresses the VM's target holds for it, as its cloud lists them. */
  const held = async (v: VmBody) => {
    const found = [];
    for await (const a of h.broker.providers.get(v.placement.targetId).network.listPublicAddresses())
      if (a.brokerId === v.id) found.push(a);
    return found;
  };

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-addresses', ['app']);
    auditor = await h.token('tenant-addresses', ['auditor']);
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h.close());

  it('gives an internal VM one public address, listed beside its private one, and releases it', async () => {
    const web = await vm('web-public', 'internal');
    expect(web.addresses.map((a) => a.type)).toEqual(['private']);
    const given = await h.call('POST', `/v1/vms/${web.id}/addresses`, { token: app });
    expect(given.status, given.text).toBe(201);
    const [address] = publicOf(given.body);
    expect(address?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await h.call('GET', `/v1/vms/${web.id}`, { token: app })).body.addresses).toEqual(
      given.body.addresses,
    );
    expect(await held(web)).toMatchObject([{ ip: address!.ip, associated: true }]);

    const again = await h.call('POST', `/v1/vms/${web.id}/addresses`, { token: app });
    expect(again.status, again.text).toBe(409);
    expect(again.body.code).toBe('address.alreadyExists');

    const released = await h.call('DELETE', `/v1/vms/${web.id}/addresses`, { token: app });
    expect(released.status, released.text).toBe(200);
    expect(publicOf(released.body)).toEqual([]);
    expect(await held(web)).toEqual([]);
    const twice = await h.call('DELETE', `/v1/vms/${web.id}/addresses`, { token: app });
    expect(twice.status).toBe(404);
  });

  it('never gives a phi or pii VM a public address, on-prem or public, naming the policy', async () => {
    for (const [name, classification, region] of [
      ['ehr-onprem', 'phi', undefined],
      ['claims-onprem', 'pii', 'north'],
    ] as const) {
      const v = await vm(name, classification, region);
      const refused = await h.call('POST', `/v1/vms/${v.id}/addresses`, { token: app });
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.code).toBe('address.denied');
      expect(refused.body.details.policies).toEqual(['flow.no-public-address-for-phi-pii']);
      expect(await held(v)).toEqual([]);
      expect(publicOf((await h.call('GET', `/v1/vms/${v.id}`, { token: app })).body)).toEqual([]);
    }
  });

  it('is refused to an auditor, and answers 404 for another tenant', async () => {
    const v = await vm('web-auditor', 'public');
    expect((await h.call('POST', `/v1/vms/${v.id}/addresses`, { token: auditor })).status).toBe(403);
    const other = await h.token('tenant-other', ['app']);
    expect((await h.call('POST', `/v1/vms/${v.id}/addresses`, { token: other })).status).toBe(404);
    expect(await held(v)).toEqual([]);
  });

  it('releases the address with the VM: nothing stays allocated', async () => {
    const v = await vm('web-deleted', 'internal');
    expect((await h.call('POST', `/v1/vms/${v.id}/addresses`, { token: app })).status).toBe(201);
    expect(await held(v)).toHaveLength(1);
    const deleted = await h.call('DELETE', `/v1/vms/${v.id}`, { token: app });
    expect(deleted.status, deleted.text).toBe(202);
    expect((await h.settle(app, deleted.body.operation.id)).status).toBe('succeeded');
    expect(await held(v)).toEqual([]);
  });

  it('reports an address whose VM is gone as leaked', async () => {
    const v = await vm('web-leak', 'internal');
    const full = await h.broker.stores.vms.get('tenant-addresses', v.id);
    // A crash between the cloud's allocation and the broker's record: the VM's delete cannot know of it.
    const leaked = await h.broker.providers
      .get(v.placement.targetId)
      .network.allocatePublicAddress(full!.cloudId!, v.id);
    const deleted = await h.call('DELETE', `/v1/vms/${v.id}`, { token: app });
    expect((await h.settle(app, deleted.body.operation.id)).status).toBe('succeeded');
    const report = await h.call('POST', '/v1/admin/reconcile', {
      token: operator,
      body: { orphanGraceMs: 0 },
    });
    expect(report.status, report.text).toBe(200);
    expect(report.body.leakedAddresses).toBe(1);
    await h.broker.providers.get(v.placement.targetId).network.releasePublicAddress(leaked.id);
    const after = await h.call('POST', '/v1/admin/reconcile', {
      token: operator,
      body: { orphanGraceMs: 0 },
    });
    expect(after.body.leakedAddresses).toBe(0);
  });
});
