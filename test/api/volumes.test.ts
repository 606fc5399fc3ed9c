import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

describe('volumes over the API', () => {
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-vol', ['app']);
  });
  afterAll(() => h.close());

  const settled = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await h.settle(app, reply.body.operation.id);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    return op;
  };
  const vm = async (name: string, classification: string, region?: string) => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name, size: 'small', image: 'ubuntu-24.04', classification, ...(region ? { region } : {}) },
    });
    await settled(reply);
    return reply.body.vm;
  };
  const volume = async (name: string, classification: string, extra: Record<string, unknown> = {}) => {
    const reply = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name, sizeGiB: 10, classification, ...extra },
    });
    await settled(reply);
    return (await h.call('GET', `/v1/volumes/${reply.body.volume.id}`, { token: app })).body;
  };
  const get = async (path: string) => (await h.call('GET', path, { token: app })).body;

  it('creates, attaches, detaches, snapshots, restores and deletes', async () => {
    const server = await vm('vol-host', 'internal');
    const disk = await volume('scratch', 'internal');
    expect(disk).toMatchObject({ status: 'available', sizeGiB: 10, classification: 'internal' });
    expect(disk.placement.targetId).toBe(server.placement.targetId);

    await settled(
      await h.call('POST', `/v1/volumes/${disk.id}/attach`, { token: app, body: { vmId: server.id } }),
    );
    const attached = await get(`/v1/volumes/${disk.id}`);
    expect(attached).toMatchObject({ status: 'in-use', attachment: { vmId: server.id } });
    expect(attached.attachment.device).toMatch(/^\/dev\//);
    expect((await get(`/v1/volumes?vmId=${server.id}`)).items.map((v: { id: string }) => v.id)).toEqual([
      disk.id,
    ]);

    const busy = await h.call('DELETE', `/v1/volumes/${disk.id}`, { token: app });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('volume.attached');

    const snap = await h.call('POST', `/v1/volumes/${disk.id}/snapshots`, {
      token: app,
      body: { name: 'nightly' },
    });
    await settled(snap);
    const snapshot = await get(`/v1/snapshots/${snap.body.snapshot.id}`);
    expect(snapshot).toMatchObject({ status: 'available', classification: 'internal', volumeId: disk.id });
    expect((await get(`/v1/volumes/${disk.id}/snapshots`)).items).toHaveLength(1);

    await settled(await h.call('POST', `/v1/volumes/${disk.id}/detach`, { token: app }));
    expect(await get(`/v1/volumes/${disk.id}`)).toMatchObject({ status: 'available' });
    expect((await get(`/v1/volumes/${disk.id}`)).attachment).toBeUndefined();

    // A restore is classified at least as its snapshot, on the snapshot's target.
    const lower = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'restored', sizeGiB: 10, classification: 'public', snapshotId: snapshot.id },
    });
    expect(lower.status).toBe(400);
    expect(lower.body.errors[0].field).toBe('body.classification');
    const restored = await volume('restored', 'pii', { snapshotId: snapshot.id });
    expect(restored).toMatchObject({
      status: 'available',
      classification: 'pii',
      sourceSnapshotId: snapshot.id,
    });
    expect(restored.placement.targetId).toBe(snapshot.placement.targetId);

    await settled(await h.call('DELETE', `/v1/snapshots/${snapshot.id}`, { token: app }));
    expect(await get(`/v1/snapshots/${snapshot.id}`)).toMatchObject({ status: 'deleted' });
    await settled(await h.call('DELETE', `/v1/volumes/${disk.id}`, { token: app }));
    expect(await get(`/v1/volumes/${disk.id}`)).toMatchObject({ status: 'deleted' });
    let left = 0;
    for await (const v of h.broker.providers.get(disk.placement.targetId).blockStorage.listVolumes())
      if (v.brokerId === disk.id) left++;
    expect(left).toBe(0);
  });

  it('refuses a phi volume to a public VM with 403 naming the policies, and changes nothing', async () => {
    const publicVm = await vm('public-web', 'public');
    expect(publicVm.placement.site).toBe('public');
    const phi = await volume('charts', 'phi');
    expect(phi.placement.site).toBe('onprem');
    const reply = await h.call('POST', `/v1/volumes/${phi.id}/attach`, {
      token: app,
      body: { vmId: publicVm.id },
    });
    expect(reply.status).toBe(403);
    expect(reply.body.code).toBe('attach.denied');
    expect(reply.body.details.policies.length).toBeGreaterThan(0);
    expect(await get(`/v1/volumes/${phi.id}`)).toMatchObject({
      status: 'available',
      operationId: phi.operationId,
    });
    expect((await get(`/v1/volumes/${phi.id}`)).attachment).toBeUndefined();
  });

  it('keeps attachments within one target (409), and taints a VM that a phi volume attaches to', async () => {
    const onpremVm = await vm('onprem-public', 'public', 'north');
    expect(onpremVm.placement.targetId).toBe('sandbox-onprem-north');
    const elsewhere = await volume('elsewhere', 'public');
    const mismatch = await h.call('POST', `/v1/volumes/${elsewhere.id}/attach`, {
      token: app,
      body: { vmId: onpremVm.id },
    });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.code).toBe('volume.targetMismatch');

    const phi = await volume('charts-north', 'phi', { region: 'north' });
    expect(phi.placement.targetId).toBe('sandbox-onprem-north');
    await settled(
      await h.call('POST', `/v1/volumes/${phi.id}/attach`, { token: app, body: { vmId: onpremVm.id } }),
    );
    expect(await get(`/v1/vms/${onpremVm.id}`)).toMatchObject({ classification: 'phi' });
  });

  it('rejects bad volume input, naming the field', async () => {
    for (const [body, field] of [
      [{ name: 'x', sizeGiB: 0, classification: 'internal' }, 'body.sizeGiB'],
      [{ name: 'x', sizeGiB: 1.5, classification: 'internal' }, 'body.sizeGiB'],
      [{ name: 'x', sizeGiB: 1, classification: 'internal', snapshotId: 'nope' }, 'body.snapshotId'],
      [{ name: 'X', sizeGiB: 1, classification: 'internal' }, 'body.name'],
    ] as const) {
      const reply = await h.call('POST', '/v1/volumes', { token: app, body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const missing = await h.call('POST', '/v1/volumes/vol-01jb2x3y4z5a6b7c8d9e0f1g2h/attach', {
      token: app,
      body: { vmId: 'vm-01jb2x3y4z5a6b7c8d9e0f1g2h' },
    });
    expect(missing.status).toBe(404);
  });
});
