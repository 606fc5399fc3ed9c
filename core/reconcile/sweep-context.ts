import type { BackupPassReport } from '../backups/backup-scheduler.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventSink } from '../ports/events.ts';
import type { Logger } from '../ports/logger.ts';
import type { OperationRepository } from '../ports/repositories.ts';
import type { UsageMeter } from '../usage/usage-meter.ts';
import type { Drift } from './drift.ts';
import type { QuotaReconcileReport } from './quota-reconcile.ts';

/** What the reconciler does with a cloud resource carrying a broker id that no live record owns. */
export type OrphanAction = 'delete' | 'report';

export interface ReconcileReport {
  resumed: number;
  releasedClaims: number;
  /** Records brought in line with their cloud (each raised `drift.detected`). */
  drifted: number;
  /** Cloud resources carrying a broker id no live record owns. */
  orphansFound: number;
  orphansDeleted: number;
  /** Cloud resources tagged for another deployment sharing the project: not this reconciler's, untouched. */
  otherDeployments?: number;
  /** Public addresses allocated for a VM that is deleted or unknown (address-sweep.ts); reported only. */
  leakedAddresses?: number;
  /** Targets whose pass failed, or whose health probe said `down` (their sweep is skipped). */
  errors: number;
  /** Quota holds settled against inventory, when quotas are counted (quota-reconcile.ts). */
  quotas?: QuotaReconcileReport;
  /** Backup runs due and started, when backups are scheduled (backup-scheduler.ts). */
  backups?: BackupPassReport;
}

export const emptyReport = (): ReconcileReport => ({
  resumed: 0,
  releasedClaims: 0,
  drifted: 0,
  orphansFound: 0,
  orphansDeleted: 0,
  otherDeployments: 0,
  leakedAddresses: 0,
  errors: 0,
});

/** What one target's sweep needs besides the repositories of the kind it sweeps. */
export interface SweepContext {
  targetId: string;
  operations: OperationRepository;
  clock: Clock;
  log: Logger;
  events?: EventSink;
  /** Meters a VM's drift like any state change, so a VM stopped behind the broker's back stops costing. */
  usage?: UsageMeter;
  /** Cloud resources (and records' last changes) younger than this are left alone. */
  graceMs: number;
  report: ReconcileReport;
  /** This deployment's id (`DEPLOYMENT_TAG`): when set, only its own orphans may be deleted. */
  deploymentId?: string;
}

/**
 * What the sweep does with a cloud resource carrying a broker id that no live record owns, by the
 * deployment it is tagged for, counted in the report. Another deployment's (two brokers sharing a cloud
 * project) is not an orphan of this one: its records are in another table, so it is left alone
 * (undefined, counted in `otherDeployments`). One with no tag was created before deployments were
 * tagged, or by another broker: reported, never deleted. Only this deployment's own follow the setting.
 * A reconciler without an id treats every resource as its own.
 */
export function orphanAction(
  ctx: SweepContext,
  resourceDeployment: string | undefined,
  setting: OrphanAction,
): OrphanAction | undefined {
  const own = ctx.deploymentId === undefined || resourceDeployment === ctx.deploymentId;
  if (!own && resourceDeployment !== undefined) {
    ctx.report.otherDeployments = (ctx.report.otherDeployments ?? 0) + 1;
    return undefined;
  }
  ctx.report.orphansFound += 1;
  return own ? setting : 'report';
}

export interface DriftSubject {
  resourceType: 'vm' | 'volume' | 'bucket';
  id: string;
  tenant: string;
  /** The record's last change: with the drift, what makes the event id stable across passes. */
  updatedAt: string;
}

/**
 * Raises `drift.detected` for a record about to be brought in line. Recorded before the record's write
 * with an id derived from the record as it was: a pass that dies between the two finds the same drift
 * next time and records the same event id again, which the sink keeps once (at least once, never lost).
 * The data holds ids, kinds and statuses only — never names or tags (PHI discipline).
 */
export async function raiseDrift(ctx: SweepContext, subject: DriftSubject, drift: Drift): Promise<void> {
  ctx.log.info('drift detected', {
    targetId: ctx.targetId,
    resourceType: subject.resourceType,
    resourceId: subject.id,
    drift: drift.kind,
    from: drift.from,
    to: drift.to,
  });
  await ctx.events?.record({
    id: `drift-${subject.id}-${drift.kind}-${drift.to}-${Date.parse(subject.updatedAt) || 0}`,
    kind: 'drift.detected',
    tenant: subject.tenant,
    time: ctx.clock.now().toISOString(),
    data: {
      resourceType: subject.resourceType,
      resourceId: subject.id,
      targetId: ctx.targetId,
      drift: drift.kind,
      from: drift.from,
      to: drift.to,
    },
  });
  ctx.report.drifted += 1;
}

/** Whether a record changed less than the grace period ago (its cloud may not show the change yet). */
export function changedRecently(ctx: SweepContext, updatedAt: string): boolean {
  return ctx.clock.now().getTime() - Date.parse(updatedAt) < ctx.graceMs;
}
