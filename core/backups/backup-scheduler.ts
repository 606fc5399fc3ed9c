import { newId } from '../ids.ts';
import type { BackupPolicy } from '../model/backup-policy.ts';
import type { Operation } from '../model/operation.ts';
import { newOperation } from '../operations/new-operation.ts';
import type { BackupPolicyRepository, CronSchedule } from '../ports/backup-policies.ts';
import type { Clock } from '../ports/clock.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository } from '../ports/repositories.ts';

export interface BackupSchedulerDeps {
  policies: BackupPolicyRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  cron: CronSchedule;
  clock: Clock;
}

export interface BackupPassReport {
  /** Policies whose latest slot had not run yet. */
  due: number;
  /** Runs this pass started (a slot another scheduler claimed first is not counted). */
  started: number;
}

/** Cron's resolution: a slot in the minute the policy was written counts as after it. */
const SLOT_MS = 60_000;

/** Who a scheduled run is requested by (operations and the audit trail name it). */
export const BACKUP_SCHEDULER = 'backup-scheduler';

/**
 * The scheduler's backup pass (run by the reconciler, embedded loop or EventBridge schedule): for each
 * policy whose latest cron slot has not run, claims the slot with a conditional write of the policy (the
 * version it read), then starts that slot's `backup.run` operation. Two schedulers (two regions) reading
 * the same policy race on that write and only one wins, so each slot runs exactly once. A slot before the
 * policy existed (earlier than the minute it was written in) never runs; missed older slots are not caught up (the latest one stands for them).
 */
export async function runDueBackups(deps: BackupSchedulerDeps): Promise<BackupPassReport> {
  const report: BackupPassReport = { due: 0, started: 0 };
  const now = deps.clock.now();
  for await (const policy of deps.policies.listAll()) {
    await resumeLostRun(deps, policy, now);
    const slot = (await deps.cron.latestSlot(policy.schedule, now))?.toISOString();
    if (slot === undefined || Date.parse(slot) < Date.parse(policy.createdAt) - SLOT_MS) continue;
    if (policy.lastSlot !== undefined && policy.lastSlot >= slot) continue;
    report.due++;
    const op = runOperation(policy, slot, newId('op'), now);
    const claimed = await deps.policies.save({
      ...policy,
      lastSlot: slot,
      lastOperationId: op.id,
      updatedAt: now.toISOString(),
    });
    if (!claimed) continue;
    await start(deps, op);
    report.started++;
  }
  return report;
}

/** A crash between the claim and the operation's write leaves a claimed slot without a run: start it. */
async function resumeLostRun(deps: BackupSchedulerDeps, policy: BackupPolicy, now: Date) {
  if (policy.lastOperationId === undefined || policy.lastSlot === undefined) return;
  if (await deps.operations.get(policy.tenant, policy.lastOperationId)) return;
  await start(deps, runOperation(policy, policy.lastSlot, policy.lastOperationId, now)).catch(() => {});
}

async function start(deps: BackupSchedulerDeps, op: Operation) {
  await deps.operations.create(op);
  await deps.queue.enqueue({ tenant: op.tenant, operationId: op.id });
}

function runOperation(policy: BackupPolicy, slot: string, id: string, now: Date): Operation {
  return newOperation({
    id,
    kind: 'backup.run',
    tenant: policy.tenant,
    resource: { type: 'backupPolicy', id: policy.id },
    firstStep: 'snapshot',
    requestedBy: BACKUP_SCHEDULER,
    requestId: `${policy.id}.${slot}`,
    now,
    deadlineMs: 60 * 60_000,
    input: { slot },
  });
}
