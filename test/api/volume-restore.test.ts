import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** A restore happens on the snapshot's own target: a phi snapshot never restores anywhere else (I1). */
describe('restoring a volume from a snapshot', () => {
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('restore-t', ['app']);
  });
  afterAll(() => h.close());

  const accepted = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
  };

  it('restores a phi snapshot only on its target, and refuses another region or the public site', async () => {
    const volume = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'charts', sizeGiB: 2, classification: 'phi', region: 'north' },
    });
    await accepted(volume);
    const source = volume.body.volume;
    const snap = await h.call('POST', `/v1/volumes/${source.id}/snapshots`, {
      token: app,
      body: { name: 'before' },
    });
    await accepted(snap);
    const snapshotId = snap.body.snapshot.id;
    const before = (await h.call('GET', '/v1/volumes?limit=100', { token: app })).body.items.length;

    for (const region of ['south', 'us-east-1']) {
      const elsewhere = await h.call('POST', '/v1/volumes', {
        token: app,
        body: { name: 'copy', sizeGiB: 2, classification: 'phi', region, snapshotId },
      });
      expect(elsewhere.status, `${region}: ${elsewhere.text}`).toBeGreaterThanOrEqual(400);
      expect(elsewhere.status).toBeLessThan(500);
    }
    expect((await h.call('GET', '/v1/volumes?limit=100', { token: app })).body.items).toHaveLength(before);

    const restored = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'copy', sizeGiB: 3, classification: 'phi', snapshotId },
    });
    await accepted(restored);
    const copy = (await h.call('GET', `/v1/volumes/${restored.body.volume.id}`, { token: app })).body;
    expect(copy).toMatchObject({ sizeGiB: 3, sourceSnapshotId: snapshotId, status: 'available' });
    expect(copy.placement).toEqual(source.placement);
    expect(copy.placement.site).toBe('onprem');
  });
});
