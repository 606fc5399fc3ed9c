import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { readStream } from '../support/sse-client.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Backup policies on the sandbox, the scheduler driven by the broker's clock through the operator's
 * reconcile pass: each due slot runs once (even with two passes racing), snapshots stay on their volume's
 * target (phi on-prem), retention prunes, a failed snapshot fails the run.
 */
describe('backup policies and scheduled runs', () => {
  let now = Date.parse('2026-12-03T01:30:00Z');
  const clock: Clock = { now: () => new Date(now) };
  let h: Harness;
  let admin: string;
  let app: string;
  let operator: string;

  beforeAll(async () => {
    h = await startHarness({ clock, env: { HCB_EVENTS_SETTLE_MS: '200' } });
    admin = await h.token('backup-t', ['admin']);
    app = await h.token('backup-t', ['app']);
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h?.close());

  const reconcile = async () => {
    const reply = await h.call('POST', '/v1/admin/reconcile', { token: operator, body: {} });
    expect(reply.status, reply.text).toBe(200);
    return reply.body.backups as { due: number; started: number };
  };
  const volume = async (name: string, classification: string, tags: Record<string, string>) => {
    const reply = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name, sizeGiB: 1, classification, tags },
    });
    expect(reply.status, reply.text).toBe(202);
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    return reply.body.volume as { id: string; placement: { targetId: string; site: string } };
  };
  const backupsOf = async (volumeId: string) =>
    (await h.call('GET', `/v1/volumes/${volumeId}/snapshots`, { token: app })).body.items.filter(
      (s: { backupPolicyId?: string; status: string }) => s.backupPolicyId && s.status !== 'deleted',
    );
  const policyBody = {
    name: 'nightly',
    schedule: '0 2 * * *',
    retention: { count: 1 },
    selector: { tags: { backup: 'nightly' } },
  };

  it('is written by admins only, read by every tenant role, and refuses a bad schedule', async () => {
    const byApp = await h.call('POST', '/v1/backup-policies', { token: app, body: policyBody });
    expect(byApp.status).toBe(403);
    const bad = await h.call('POST', '/v1/backup-policies', {
      token: admin,
      body: { ...policyBody, schedule: '0 0 2 * * *' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('body.schedule');
    const both = await h.call('POST', '/v1/backup-policies', {
      token: admin,
      body: { ...policyBody, retention: { count: 1, maxAgeDays: 2 } },
    });
    expect(both.status).toBe(400);
    const auditor = await h.token('backup-t', ['auditor']);
    expect((await h.call('GET', '/v1/backup-policies', { token: auditor })).status).toBe(200);
  });

  it('runs each due slot once, on the volumes’ own targets, prunes by retention and fails on a failed snapshot', async () => {
    const phi = await volume('charts', 'phi', { backup: 'nightly' });
    const internal = await volume('scratch', 'internal', { backup: 'nightly' });
    const other = await volume('other', 'internal', {});
    const created = await h.call('POST', '/v1/backup-policies', { token: admin, body: policyBody });
    expect(created.status, created.text).toBe(201);
    const policyId = created.body.id;

    expect(await reconcile()).toEqual({ due: 0, started: 0 }); // 01:30: no slot since it exists

    now = Date.parse('2026-12-03T02:00:30Z');
    expect(await reconcile()).toEqual({ due: 1, started: 1 });
    expect(await reconcile()).toEqual({ due: 0, started: 0 });
    const policy = (await h.call('GET', `/v1/backup-policies/${policyId}`, { token: app })).body;
    expect(policy.lastSlot).toBe('2026-12-03T02:00:00.000Z');
    const run = await h.settle(app, policy.lastOperationId);
    expect(run).toMatchObject({ kind: 'backup.run', status: 'succeeded', resource: { id: policyId } });
    expect(run.result).toMatchObject({ pruned: '0', failed: '' });
    expect(run.result.volumes.split(',').sort()).toEqual([phi.id, internal.id].sort());
    const [phiBackup] = await backupsOf(phi.id);
    // I1: a phi volume's backup is a snapshot on the volume's own on-prem target, classified phi.
    expect(phiBackup).toMatchObject({
      classification: 'phi',
      backupPolicyId: policyId,
      status: 'available',
      placement: { targetId: phi.placement.targetId, site: 'onprem' },
    });
    expect(await backupsOf(other.id)).toEqual([]);

    // The next day's slot, seen by two passes at once (two schedulers): one run only; it prunes.
    now = Date.parse('2026-12-04T02:00:10Z');
    const passes = await Promise.all([reconcile(), reconcile()]);
    expect(passes.reduce((sum, p) => sum + p.started, 0)).toBe(1);
    const next = (await h.call('GET', `/v1/backup-policies/${policyId}`, { token: app })).body;
    const second = await h.settle(app, next.lastOperationId);
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    expect(second.result.pruned).toBe('2');
    for (const v of [phi, internal]) {
      const kept = await backupsOf(v.id);
      expect(kept.filter((s: { status: string }) => s.status !== 'deleting')).toHaveLength(1);
    }

    // A snapshot the cloud refuses fails the run with the operation's error.
    const provider = h.broker.providers.get(internal.placement.targetId) as SandboxProvider;
    provider.faults.set({ rules: [{ type: 'fail', method: 'createSnapshot', kind: 'capacity', count: 50 }] });
    try {
      now = Date.parse('2026-12-05T02:00:10Z');
      expect((await reconcile()).started).toBe(1);
      const failing = (await h.call('GET', `/v1/backup-policies/${policyId}`, { token: app })).body;
      const failed = await h.settle(app, failing.lastOperationId);
      expect(failed.status).toBe('failed');
      expect(failed.error.code).toBe('backup.incomplete');
      // The failure is also told: an operation.failed event naming the run, its policy and the error code.
      const told = await waitFor(
        async () =>
          (await readStream(h.base, app)).find((s) => s.event.id === `evt-${failed.id}.failed`)?.event,
        (event) => event !== undefined,
        { timeoutMs: 20_000, what: 'the failed run’s event' },
      );
      expect(told).toMatchObject({
        kind: 'operation.failed',
        tenant: 'backup-t',
        data: {
          operationId: failed.id,
          operationKind: 'backup.run',
          resourceType: 'backupPolicy',
          resourceId: policyId,
          errorCode: 'backup.incomplete',
        },
      });
    } finally {
      provider.faults.clear();
    }

    const removed = await h.call('DELETE', `/v1/backup-policies/${policyId}`, { token: admin });
    expect(removed.status).toBe(200);
    now = Date.parse('2026-12-06T02:00:10Z');
    expect(await reconcile()).toEqual({ due: 0, started: 0 });
  });
});
