import { BrokerError, describeError } from '../errors.ts';
import { type BackupPolicy, selects } from '../model/backup-policy.ts';
import type { VolumeSnapshot } from '../model/volume.ts';
import type { BackupRunPorts } from '../ports/backup-policies.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { stepAttempt } from './vm-steps-common.ts';

const DAY_MS = 86_400_000;

/**
 * backup.run: one due slot of a backup policy. Snapshots every selected volume (on its own target, so a
 * phi volume's backup stays on-prem like the volume), waits for them, then prunes the policy's older
 * snapshots by its retention. A volume that could not be backed up fails the run (`backup.incomplete`,
 * which raises `operation.failed`); pruning still happens for the volumes that were.
 */
export const backupRun: OperationDefinition = {
  kinds: ['backup.run'],
  steps: { snapshot, awaitSnapshots, prune },
  onFailed: async () => {},
};

function ports(ctx: StepContext): BackupRunPorts {
  if (!ctx.deps.backups) throw new BrokerError('backup.unavailable', 'this worker runs no backups');
  return ctx.deps.backups;
}

async function policyOf(ctx: StepContext): Promise<BackupPolicy | undefined> {
  return ports(ctx).policies.get(ctx.op.tenant, ctx.op.resource.id);
}

const list = (value: string | undefined) => (value ? value.split(',') : []);

async function snapshot(ctx: StepContext): Promise<StepOutcome> {
  const policy = await policyOf(ctx);
  if (!policy) return { type: 'done', result: { skipped: 'policy deleted' } };
  const volumeIds: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.deps.volumes.list(
      ctx.op.tenant,
      {},
      { limit: 100, ...(cursor ? { cursor } : {}) },
    );
    for (const v of page.items)
      if (selects(policy.selector, v) && ['available', 'in-use'].includes(v.status)) volumeIds.push(v.id);
    cursor = page.nextCursor;
  } while (cursor);
  const name = `backup-${ctx.op.input.slot!.replace(/[^0-9]/g, '').slice(0, 12)}`;
  const snapshots: string[] = [];
  const failed: string[] = [];
  for (const volumeId of volumeIds)
    try {
      const key = `${ctx.op.id}.${volumeId}`;
      snapshots.push(await ports(ctx).snapshot(ctx.op.tenant, volumeId, name, policy.id, key));
    } catch (error) {
      failed.push(`${volumeId}:${describeError(error).code}`);
    }
  ctx.op.result = {
    volumes: volumeIds.join(','),
    snapshots: snapshots.join(','),
    failed: failed.join(','),
  };
  return { type: 'next', step: 'awaitSnapshots', note: `${snapshots.length} snapshots started` };
}

async function awaitSnapshots(ctx: StepContext): Promise<StepOutcome> {
  for (const id of list(ctx.op.result?.snapshots)) {
    const taken = await ctx.deps.snapshots.get(ctx.op.tenant, id);
    if (taken && ['pending', 'creating'].includes(taken.status))
      return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
  }
  return { type: 'next', step: 'prune' };
}

async function prune(ctx: StepContext): Promise<StepOutcome> {
  const policy = await policyOf(ctx);
  const result = { ...ctx.op.result };
  const failed = list(result.failed);
  let pruned = 0;
  for (const volumeId of policy ? list(result.volumes) : []) {
    const kept = await policySnapshots(ctx, volumeId, policy!.id);
    const newest = kept.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const taken = newest.find((s) => list(result.snapshots).includes(s.id));
    const startFailed = failed.some((f) => f.startsWith(`${volumeId}:`));
    if (!startFailed && taken?.status !== 'available')
      failed.push(`${volumeId}:${taken ? 'snapshot.error' : 'snapshot.missing'}`);
    for (const old of expired(
      newest.filter((s) => s.status === 'available'),
      policy!,
      ctx.deps.clock.now(),
    )) {
      await ports(ctx).deleteSnapshot(ctx.op.tenant, old.id);
      pruned++;
    }
  }
  const outcome = { ...result, failed: failed.join(','), pruned: String(pruned) };
  ctx.op.result = outcome;
  if (failed.length === 0) return { type: 'done', result: outcome };
  return {
    type: 'fail',
    error: {
      code: 'backup.incomplete',
      message: `${failed.length} of ${list(result.volumes).length} selected volumes were not backed up`,
    },
  };
}

async function policySnapshots(ctx: StepContext, volumeId: string, policyId: string) {
  const found: VolumeSnapshot[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.deps.snapshots.listByVolume(ctx.op.tenant, volumeId, {
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    found.push(...page.items.filter((s) => s.backupPolicyId === policyId));
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

/** The available snapshots (newest first) the retention no longer keeps: beyond `count`, or too old. */
export function expired(newestFirst: VolumeSnapshot[], policy: BackupPolicy, now: Date): VolumeSnapshot[] {
  const { count, maxAgeDays } = policy.retention;
  if (count !== undefined) return newestFirst.slice(count);
  const oldest = now.getTime() - (maxAgeDays ?? Number.POSITIVE_INFINITY) * DAY_MS;
  // The newest one is always kept, however old: a retention never leaves a volume without a backup.
  return newestFirst.slice(1).filter((s) => Date.parse(s.createdAt) < oldest);
}
