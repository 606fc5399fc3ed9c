import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { quotaKit } from '../support/quota-kit.ts';

/** POST /v1/volumes/{id}/extend on the sandbox: online, counted by the quota exactly, refused cleanly. */
describe('volume extend over the API', () => {
  let h: Harness;
  let operator: string;

  beforeAll(async () => {
    h = await startHarness();
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h.close());

  const { tenantWith, quotasOf } = quotaKit(
    () => h,
    () => operator,
    'vol-extend',
  );
  const settle = async (
    token: string,
    reply: { status: number; text: string; body: { operation: { id: string } } },
  ) => {
    expect(reply.status, reply.text).toBe(202);
    return h.settle(token, reply.body.operation.id);
  };
  const cloudSize = async (volume: { id: string; placement: { targetId: string } }) => {
    const found = await h.broker.providers
      .get(volume.placement.targetId)
      .blockStorage.findVolumeByBrokerId(volume.id);
    return found?.sizeGiB;
  };

  it('grows an attached volume online; the quota counts the new size; refusals change nothing', async () => {
    const { tenant, app } = await tenantWith({ onprem: { volumeGiB: 25 } });
    const vm = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'host', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
    });
    expect((await settle(app, vm)).status).toBe('succeeded');
    const created = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'charts', sizeGiB: 10, classification: 'phi' },
    });
    expect((await settle(app, created)).status).toBe('succeeded');
    const id = created.body.volume.id;
    const attach = h.call('POST', `/v1/volumes/${id}/attach`, { token: app, body: { vmId: vm.body.vm.id } });
    expect((await settle(app, await attach)).status).toBe('succeeded');

    const extend = await h.call('POST', `/v1/volumes/${id}/extend`, { token: app, body: { sizeGiB: 15 } });
    expect(extend.body.volume).toMatchObject({ status: 'in-use', task: 'extending' });
    const op = await settle(app, extend);
    expect(op).toMatchObject({ kind: 'volume.extend', status: 'succeeded', result: { sizeGiB: '15' } });
    const grown = (await h.call('GET', `/v1/volumes/${id}`, { token: app })).body;
    expect(grown).toMatchObject({ sizeGiB: 15, status: 'in-use', attachment: { vmId: vm.body.vm.id } });
    expect(grown.task).toBeUndefined();
    expect(await cloudSize(grown)).toBe(15);
    expect((await quotasOf(app)).onprem.volumeGiB).toEqual({ limit: 25, used: 15, reserved: 0 });

    // Not larger: 400 naming the field; beyond the quota: 403 naming it; neither changes anything.
    const same = await h.call('POST', `/v1/volumes/${id}/extend`, { token: app, body: { sizeGiB: 15 } });
    expect(same.status).toBe(400);
    expect(same.body.errors[0].field).toBe('body.sizeGiB');
    const over = await h.call('POST', `/v1/volumes/${id}/extend`, { token: app, body: { sizeGiB: 26 } });
    expect(over.status, over.text).toBe(403);
    expect(over.body).toMatchObject({
      code: 'quota.exceeded',
      details: { site: 'onprem', resource: 'volumeGiB', limit: 25, used: 15, requested: 11 },
    });
    const after = (await h.call('GET', `/v1/volumes/${id}`, { token: app })).body;
    expect(after).toMatchObject({ sizeGiB: 15, operationId: grown.operationId });
    expect((await quotasOf(app)).onprem.volumeGiB).toEqual({ limit: 25, used: 15, reserved: 0 });

    // Only the tenant's app and admin extend.
    const auditor = await h.token(tenant, ['auditor']);
    const byAuditor = await h.call('POST', `/v1/volumes/${id}/extend`, {
      token: auditor,
      body: { sizeGiB: 20 },
    });
    expect(byAuditor.status).toBe(403);
    const stranger = await h.token('vol-extend-other', ['app']);
    const elsewhere = await h.call('POST', `/v1/volumes/${id}/extend`, {
      token: stranger,
      body: { sizeGiB: 20 },
    });
    expect(elsewhere.status).toBe(404);

    // A cloud refusal fails the operation and gives the quota back to what the cloud kept.
    const provider = h.broker.providers.get(grown.placement.targetId) as SandboxProvider;
    provider.faults.set({ rules: [{ type: 'fail', method: 'extendVolume', kind: 'capacity', count: 20 }] });
    try {
      const refused = await h.call('POST', `/v1/volumes/${id}/extend`, { token: app, body: { sizeGiB: 20 } });
      expect((await settle(app, refused)).status).toBe('failed');
    } finally {
      provider.faults.clear();
    }
    const kept = (await h.call('GET', `/v1/volumes/${id}`, { token: app })).body;
    expect(kept).toMatchObject({ sizeGiB: 15, status: 'in-use' });
    expect(kept.task).toBeUndefined();
    expect(await cloudSize(kept)).toBe(15);
    expect((await quotasOf(app)).onprem.volumeGiB).toEqual({ limit: 25, used: 15, reserved: 0 });
  });
});
