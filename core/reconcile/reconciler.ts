import type { BackupPassReport } from '../backups/backup-scheduler.ts';
import { describeError } from '../errors.ts';
import type { Bucket } from '../model/bucket.ts';
import type { Operation } from '../model/operation.ts';
import type { Vm } from '../model/vm.ts';
import type { Volume } from '../model/volume.ts';
import type { BucketRepository } from '../ports/bucket-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { CloudProvider, ProviderRegistry } from '../ports/cloud/provider.ts';
import type { EventSink } from '../ports/events.ts';
import type { Logger } from '../ports/logger.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository, VmRepository } from '../ports/repositories.ts';
import type { TargetHealthTracker } from '../ports/target-health.ts';
import type { VolumeRepository } from '../ports/volume-repositories.ts';
import type { UsageMeter } from '../usage/usage-meter.ts';
import { sweepAddresses } from './address-sweep.ts';
import { type QuotaReconcileDeps, reconcileQuotas } from './quota-reconcile.ts';
import { sweepServers } from './server-sweep.ts';
import { sweepBuckets, sweepVolumes } from './storage-sweep.ts';
import { emptyReport, type OrphanAction, type ReconcileReport, type SweepContext } from './sweep-context.ts';

export { ownsServer } from './server-sweep.ts';
export type { OrphanAction, ReconcileReport } from './sweep-context.ts';

/** What happens to orphans of each kind; servers are deleted (they cost and hold nothing), volumes reported. */
export interface OrphanSettings {
  servers: OrphanAction;
  volumes: OrphanAction;
}

export const DEFAULT_ORPHAN_SETTINGS: OrphanSettings = { servers: 'delete', volumes: 'report' };

export interface ReconcilerDeps {
  vms: VmRepository;
  /** When given, volumes are swept too (stale claims, drift, orphans). */
  volumes?: VolumeRepository;
  /** When given, buckets gone from their target are noticed. */
  buckets?: BucketRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  providers: ProviderRegistry;
  clock: Clock;
  log: Logger;
  /** Where `drift.detected` goes (the event outbox); without one, drift is only logged and counted. */
  events?: EventSink;
  /** Where a VM's drift is metered (docs/usage.md); without one, drift is not metered. */
  usage?: UsageMeter;
  /** The shared health/circuit state placement reads: each pass probes every target and records it. */
  health?: TargetHealthTracker;
  orphans?: Partial<OrphanSettings>;
  /**
   * This deployment's id, tagged on what its worker creates: with it, resources tagged for another
   * deployment are left alone and untagged ones only reported (sweep-context.ts, `orphanAction`).
   */
  deploymentId?: string;
  /**
   * This process's worker id. Leases it holds are treated as lapsed when resuming: with a stable id (the
   * embedded default), they were taken by this process's previous, crashed incarnation.
   */
  workerId?: string;
  /** Samples bucket sizes for usage metering after each pass (docs/usage.md). */
  bucketSizes?: { sample(): Promise<number> };
  /** When given, quota holds are settled against inventory (quota-reconcile.ts). */
  quotas?: Pick<QuotaReconcileDeps, 'quotas' | 'demandOf' | 'record'>;
  /** When given, each pass starts the backup runs that are due (core/backups/backup-scheduler.ts). */
  backups?: { runDue(): Promise<BackupPassReport> };
}

/**
 * Keeps the broker's records and its clouds in agreement, on a schedule (and after crashes, I5):
 * re-enqueues unfinished operations nobody holds; then, per target, probes its health (recorded in the
 * shared health state, so placement ranks a target found down last) and sweeps its inventory — servers,
 * volumes, buckets — against the records: stale claims released, drift behind the broker's back brought
 * into the record with a `drift.detected` event, orphans reported or deleted (see server-sweep.ts and
 * storage-sweep.ts). Resources an operation holds are never touched: the operation owns the difference.
 *
 * The broker's side is read once per pass, a page of the table at a time, not one lookup per cloud
 * resource; the cloud's side is one paged listing per target and kind.
 *
 * Who owns a server (older than the grace period) that carries a VM's broker id — see `ownsServer`:
 * a VM that is not `deleted`, placed on the server's target, and either recording that server's id, or
 * recording none while its create may still adopt it (any status but `error`). An `error` VM owns its
 * server only while it records that server's id — a VM whose server broke after it was created (the user
 * may still look at it, then delete it). A failed create clears the cloud id after deleting what it made,
 * so a server that delete missed belongs to nobody and is removed here.
 */
export class Reconciler {
  readonly #d: ReconcilerDeps;
  readonly #orphans: OrphanSettings;

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.#orphans = { ...DEFAULT_ORPHAN_SETTINGS, ...deps.orphans };
  }

  async run(options: { orphanGraceMs?: number } = {}): Promise<ReconcileReport> {
    const report = emptyReport();
    report.resumed = await this.resumeUnfinished();
    const records = await this.#readRecords();
    for (const provider of this.#d.providers.all()) {
      const ctx: SweepContext = {
        targetId: provider.target.id,
        operations: this.#d.operations,
        clock: this.#d.clock,
        log: this.#d.log,
        graceMs: options.orphanGraceMs ?? 10 * 60_000,
        report,
        ...(this.#d.events ? { events: this.#d.events } : {}),
        ...(this.#d.usage ? { usage: this.#d.usage } : {}),
        ...(this.#d.deploymentId === undefined ? {} : { deploymentId: this.#d.deploymentId }),
      };
      if (!(await this.#probe(provider))) {
        report.errors += 1;
        continue;
      }
      try {
        await this.#sweepTarget(ctx, provider, records);
      } catch (error) {
        report.errors += 1;
        const { code } = describeError(error);
        // The cloud's own failures count against its circuit; the store's or the outbox's do not.
        if (code.startsWith(`${provider.target.cloud}.`))
          await this.#d.health?.recordFailure(ctx.targetId, code);
        this.#d.log.warn('reconcile target failed', { targetId: ctx.targetId, code });
      }
    }
    await this.#d.bucketSizes?.sample().catch((error: unknown) => {
      report.errors += 1;
      this.#d.log.warn('bucket size sampling failed', { code: describeError(error).code });
    });
    if (this.#d.quotas)
      report.quotas = await reconcileQuotas(
        {
          ...this.#d.quotas,
          vms: this.#d.vms,
          operations: this.#d.operations,
          clock: this.#d.clock,
          log: this.#d.log,
        },
        options.orphanGraceMs ?? 10 * 60_000,
      );
    if (this.#d.backups)
      report.backups = await this.#d.backups.runDue().catch((error: unknown) => {
        report.errors += 1;
        this.#d.log.warn('backup pass failed', { code: describeError(error).code });
        return { due: 0, started: 0 };
      });
    return report;
  }

  /** Enqueues every unfinished operation whose lease has lapsed. */
  async resumeUnfinished(): Promise<number> {
    const now = this.#d.clock.now().getTime();
    const unfinished = await this.#d.operations.listUnfinished(1000);
    const lapsed = unfinished.filter(
      (op: Operation) =>
        !op.lease || op.lease.owner === this.#d.workerId || Date.parse(op.lease.until) <= now,
    );
    for (const op of lapsed) await this.#d.queue.enqueue({ tenant: op.tenant, operationId: op.id });
    return lapsed.length;
  }

  /**
   * The target's own health check, recorded in the shared state. A target that answers `down` (or whose
   * check fails) is not swept: half a listing would make every record look drifted.
   */
  async #probe(provider: CloudProvider): Promise<boolean> {
    const targetId = provider.target.id;
    try {
      const health = await provider.health();
      await this.#d.health?.recordCheck(targetId, health.status, health.detail);
      if (health.status !== 'down') return true;
      this.#d.log.warn('target down, not swept', { targetId });
      return false;
    } catch (error) {
      const { code } = describeError(error);
      await this.#d.health?.recordCheck(targetId, 'down', code);
      this.#d.log.warn('target health check failed', { targetId, code });
      return false;
    }
  }

  async #sweepTarget(ctx: SweepContext, provider: CloudProvider, records: Records): Promise<void> {
    const { volumes, buckets } = this.#d;
    if (volumes && records.volumes)
      await sweepVolumes(ctx, provider, volumes, records.volumes, this.#orphans.volumes);
    await sweepServers(ctx, provider, this.#d.vms, records.vms, this.#orphans.servers);
    await sweepAddresses(ctx, provider, records.vms);
    if (buckets && records.buckets && provider.target.kinds.includes('bucket'))
      await sweepBuckets(ctx, provider, buckets, records.buckets);
  }

  async #readRecords(): Promise<Records> {
    const vms = await byId(this.#d.vms.scanLive());
    const volumes = this.#d.volumes ? await byId(this.#d.volumes.scanLive()) : undefined;
    const buckets = this.#d.buckets ? [...(await byId(this.#d.buckets.scanLive())).values()] : undefined;
    return { vms, ...(volumes ? { volumes } : {}), ...(buckets ? { buckets } : {}) };
  }
}

interface Records {
  vms: Map<string, Vm>;
  volumes?: Map<string, Volume>;
  buckets?: Bucket[];
}

async function byId<T extends { id: string }>(items: AsyncIterable<T>): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for await (const item of items) found.set(item.id, item);
  return found;
}
