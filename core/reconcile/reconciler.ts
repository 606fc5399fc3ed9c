import { describeError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import type { Vm } from '../model/vm.ts';
import { vmStatusOf } from '../operations/vm-steps-common.ts';
import { volumeStatusOf } from '../operations/volume-steps.ts';
import type { Clock } from '../ports/clock.ts';
import type { CloudServer } from '../ports/cloud/compute.ts';
import type { CloudProvider, ProviderRegistry } from '../ports/cloud/provider.ts';
import type { Logger } from '../ports/logger.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository, VmRepository } from '../ports/repositories.ts';
import type { VolumeRepository } from '../ports/volume-repositories.ts';
import { type QuotaReconcileDeps, type QuotaReconcileReport, reconcileQuotas } from './quota-reconcile.ts';

export interface ReconcilerDeps {
  vms: VmRepository;
  /** When given, volume claims left by a crash are released too. */
  volumes?: VolumeRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  providers: ProviderRegistry;
  clock: Clock;
  log: Logger;
  /**
   * This process's worker id. Leases it holds are treated as lapsed when resuming: with a stable id (the
   * embedded default), they were taken by this process's previous, crashed incarnation.
   */
  workerId?: string;
  /** When given, quota holds are settled against inventory (quota-reconcile.ts). */
  quotas?: Pick<QuotaReconcileDeps, 'quotas' | 'demandOf' | 'record'>;
}

export interface ReconcileReport {
  resumed: number;
  releasedClaims: number;
  orphansDeleted: number;
  errors: number;
  quotas?: QuotaReconcileReport;
}

/**
 * Makes crashes harmless (I5): re-enqueues unfinished operations nobody holds, releases VM claims whose
 * operation finished or never got written, and deletes cloud servers that carry a broker id but belong
 * to no live VM (created, then the record was lost or deleted).
 *
 * Who owns a server (older than the grace period) that carries a VM's broker id — see {@link ownsServer}:
 * a VM that is not `deleted`, placed on the server's target, and either recording that server's id, or
 * recording none while its create may still adopt it (any status but `error`). An `error` VM owns its
 * server only while it records that server's id — a VM whose server broke after it was created (the user
 * may still look at it, then delete it). A failed create clears the cloud id after deleting what it made,
 * so a server that delete missed belongs to nobody and is removed here.
 */
export class Reconciler {
  readonly #d: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
  }

  async run(options: { orphanGraceMs?: number } = {}): Promise<ReconcileReport> {
    const report: ReconcileReport = { resumed: 0, releasedClaims: 0, orphansDeleted: 0, errors: 0 };
    report.resumed = await this.resumeUnfinished();
    for (const provider of this.#d.providers.all()) {
      try {
        await this.#sweepTarget(provider.target.id, options.orphanGraceMs ?? 10 * 60_000, report);
      } catch (error) {
        report.errors += 1;
        this.#d.log.warn('reconcile target failed', {
          targetId: provider.target.id,
          code: describeError(error).code,
        });
      }
    }
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

  async #sweepTarget(targetId: string, graceMs: number, report: ReconcileReport): Promise<void> {
    const provider = this.#d.providers.get(targetId);
    await this.#releaseVolumeClaims(provider, report);
    const now = this.#d.clock.now().getTime();
    for await (const server of provider.compute.listServers()) {
      if (!server.brokerId?.startsWith('vm-')) continue;
      // Young servers may belong to an operation that has not recorded them yet.
      if (server.createdAt && now - Date.parse(server.createdAt) < graceMs) continue;
      const vm = await this.#d.vms.findById(server.brokerId);
      if (vm?.activeOperationId) await this.#releaseIfStale(vm, server, report);
      if (vm && ownsServer(vm, targetId, server.id)) continue;
      this.#d.log.warn('deleting orphaned server', { targetId, serverId: server.id, vmId: server.brokerId });
      await provider.compute.deleteServer(server.id);
      report.orphansDeleted += 1;
    }
  }

  /** Volume claims whose operation finished or was never written: released to the cloud volume's state. */
  async #releaseVolumeClaims(provider: CloudProvider, report: ReconcileReport): Promise<void> {
    const volumes = this.#d.volumes;
    if (!volumes) return;
    for await (const cloud of provider.blockStorage.listVolumes()) {
      if (!cloud.brokerId?.startsWith('vol-')) continue;
      const volume = await volumes.findById(cloud.brokerId);
      if (!volume?.activeOperationId || volume.cloudId !== cloud.id) continue;
      const operationId = volume.activeOperationId;
      const op = await this.#d.operations.get(volume.tenant, operationId);
      if (op && op.status !== 'succeeded' && op.status !== 'failed') continue;
      const status = op ? volume.status : volumeStatusOf(cloud.state, volume.status);
      await volumes
        .update(
          volume.tenant,
          volume.id,
          { activeOperationId: null, task: null, status },
          { expectActiveOperation: operationId },
        )
        .catch(() => undefined);
      report.releasedClaims += 1;
    }
  }

  /**
   * A claim whose operation finished, or was never written (the process died between the claim and the
   * operation's write), is released — and the VM shows the server's state again, not the transitional
   * status the claim set (`deleting`, `stopping`…), which nothing would ever move on.
   */
  async #releaseIfStale(vm: Vm, server: CloudServer, report: ReconcileReport): Promise<void> {
    const operationId = vm.activeOperationId!;
    const op = await this.#d.operations.get(vm.tenant, operationId);
    if (op && op.status !== 'succeeded' && op.status !== 'failed') return;
    const status = op || vm.cloudId !== server.id ? vm.status : vmStatusOf(server.state, vm.status);
    await this.#d.vms
      .update(
        vm.tenant,
        vm.id,
        { activeOperationId: null, task: null, status },
        { expectActiveOperation: operationId },
      )
      .catch(() => undefined);
    report.releasedClaims += 1;
  }
}

/** The ownership rule the sweep applies (see {@link Reconciler}). */
export function ownsServer(vm: Vm, targetId: string, serverId: string): boolean {
  if (vm.status === 'deleted' || vm.placement?.targetId !== targetId) return false;
  if (vm.cloudId !== undefined) return vm.cloudId === serverId;
  return vm.status !== 'error';
}
