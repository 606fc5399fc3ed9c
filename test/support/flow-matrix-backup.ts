import { expect } from 'vitest';
import type { Harness } from './broker-harness.ts';
import type { Classification, MatrixClock, Site } from './flow-matrix.ts';
import { waitFor } from './wait-for.ts';

/** What a backup cell needs from the matrix: its broker, tenant token, clock, and where c/s lands. */
export interface BackupCell {
  h: Harness;
  app: string;
  clock: MatrixClock;
  settleMs: number;
  settle(reply: { status: number; text: string; body: { operation: { id: string } } }): Promise<unknown>;
  /** The region to ask for, and the target the volume (and so its snapshots) must land on. */
  region: string;
  home: string;
}

/**
 * A scheduled backup of a volume of classification c on site s, two runs (the clock moved on a minute
 * between them): each run is a `backup.run` operation whose result names its snapshot; the second
 * prunes the first by the retention (count 1). Every snapshot stays on the volume's target (phi:
 * on-prem), and deleting the policy, the snapshot and the volume leaves nothing on the cloud.
 */
export async function backupCell(cell: BackupCell, c: Classification, s: Site): Promise<void> {
  const { h, app, clock, settleMs, settle } = cell;
  const created = await h.call('POST', '/v1/volumes', {
    token: app,
    body: { name: `k-${c}-${s}`, sizeGiB: 1, classification: c, region: cell.region },
  });
  await settle(created);
  const volumeId = created.body.volume.id;
  const admin = await h.token('tenant-matrix', ['admin']);
  const operator = await h.token('platform', ['operator']);
  const policy = await h.call('POST', '/v1/backup-policies', {
    token: admin,
    body: {
      name: `k-${c}-${s}`,
      schedule: '* * * * *',
      retention: { count: 1 },
      selector: { ids: [volumeId] },
    },
  });
  expect(policy.status, policy.text).toBe(201);
  const runAfter = async (previous?: string) => {
    let run: string | undefined;
    for (let i = 0; i < 5 && (run === undefined || run === previous); i++) {
      await h.call('POST', '/v1/admin/reconcile', { token: operator, body: {} });
      run = (await h.call('GET', `/v1/backup-policies/${policy.body.id}`, { token: app })).body
        .lastOperationId;
    }
    expect(run).not.toBe(previous);
    const op = await h.settle(app, run!, settleMs);
    expect(op, JSON.stringify(op.error)).toMatchObject({
      kind: 'backup.run',
      status: 'succeeded',
      resource: { type: 'backupPolicy', id: policy.body.id },
      result: { volumes: volumeId, failed: '' },
    });
    return op as { id: string; result: { snapshots: string; pruned: string } };
  };
  const first = await runAfter();
  expect(first.result.pruned).toBe('0');
  clock.advance(60_000);
  const second = await runAfter(first.id);
  expect(second.result.pruned).toBe('1');
  expect(second.result.snapshots).not.toBe(first.result.snapshots);
  const taken = [first.result.snapshots, second.result.snapshots];
  for (const id of taken) {
    const snapshot = (await h.call('GET', `/v1/snapshots/${id}`, { token: app })).body;
    expect(snapshot).toMatchObject({
      volumeId,
      classification: c,
      backupPolicyId: policy.body.id,
      placement: { targetId: cell.home, site: c === 'phi' ? 'onprem' : s },
    });
  }
  const kept = (await h.call('GET', `/v1/volumes/${volumeId}/snapshots`, { token: app })).body.items.filter(
    (k: { status: string }) => !['deleting', 'deleted'].includes(k.status),
  );
  expect(kept.map((k: { id: string }) => k.id)).toEqual([second.result.snapshots]);

  expect((await h.call('DELETE', `/v1/backup-policies/${policy.body.id}`, { token: admin })).status).toBe(
    200,
  );
  await settle(await h.call('DELETE', `/v1/snapshots/${second.result.snapshots}`, { token: app }));
  await settle(await h.call('DELETE', `/v1/volumes/${volumeId}`, { token: app }));
  // Nothing left on the cloud: neither snapshot (the pruned one included) nor the volume.
  const blockStorage = h.broker.providers.get(cell.home).blockStorage;
  for (const id of taken)
    await waitFor(
      () => blockStorage.findSnapshotByBrokerId(id),
      (found) => found === undefined || found.state === 'deleted',
      { timeoutMs: settleMs, intervalMs: 500, what: `snapshot ${id} gone from the cloud` },
    );
  await waitFor(
    () => blockStorage.findVolumeByBrokerId(volumeId),
    (found) => found === undefined || found.state === 'deleted',
    { timeoutMs: settleMs, intervalMs: 500, what: `volume ${volumeId} gone from the cloud` },
  );
}
