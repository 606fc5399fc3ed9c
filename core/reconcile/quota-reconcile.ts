import { isFinished } from '../model/operation.ts';
import type { Vm } from '../model/vm.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { QuotaHold, QuotaLedger, QuotaLedgerEntry } from '../ports/quota-ledger.ts';
import { QUOTA_RESOURCES, type QuotaDemand, type QuotaResource } from '../ports/quotas.ts';
import type { OperationRepository, VmRepository } from '../ports/repositories.ts';

export interface QuotaReconcileDeps {
  quotas: QuotaLedger;
  vms: VmRepository;
  operations: OperationRepository;
  clock: Clock;
  log: Logger;
  /** What a VM holds (its size's vCPUs and RAM, one instance). */
  demandOf(vm: Vm): QuotaDemand;
  /** The record of any held resource (VM, volume, snapshot, bucket) by id; VMs only when not given. */
  record?(tenant: string, id: string): Promise<HeldRecord | undefined>;
}

/** What the reconciler needs to know of a resource that holds quota. */
export interface HeldRecord {
  status: string;
  activeOperationId?: string;
  cloudId?: string;
  placement?: { site: string };
}

/** One counter found off what inventory says (reported, then rebuilt). */
export interface QuotaDrift {
  tenant: string;
  site: string;
  resource: QuotaResource;
  counted: number;
  actual: number;
}

export interface QuotaReconcileReport {
  released: number;
  confirmed: number;
  adopted: number;
  rebuilt: number;
  drift: QuotaDrift[];
}

/**
 * The quota part of a reconcile pass (docs/quotas.md): releases holds whose resource is gone, failed or
 * was never written (a crash between reservation and the cloud call: its operation ended or vanished, and
 * it is older than the grace period), confirms reservations whose create finished, adopts live VMs that
 * hold nothing, and rebuilds a site's counters from its holds when the two disagree — reporting the drift.
 */
export async function reconcileQuotas(
  deps: QuotaReconcileDeps,
  graceMs: number,
): Promise<QuotaReconcileReport> {
  const report: QuotaReconcileReport = { released: 0, confirmed: 0, adopted: 0, rebuilt: 0, drift: [] };
  const seen = new Map<string, Map<string, Vm>>();
  for await (const entry of deps.quotas.entries()) {
    // One listing of the tenant's VMs (deleted included) judges its VM holds: no read per hold.
    let vms = seen.get(entry.tenant);
    if (!vms) {
      vms = new Map((await everyVm(deps.vms, entry.tenant)).map((vm) => [vm.id, vm]));
      seen.set(entry.tenant, vms);
    }
    for (const hold of entry.holds) {
      const verdict = await judge(deps, entry.tenant, hold, graceMs, vms);
      if (verdict === 'release' && (await deps.quotas.release(entry.tenant, hold.resourceId, entry.site)))
        report.released += 1;
      if (verdict === 'confirm' && (await deps.quotas.confirm(entry.tenant, entry.site, hold.resourceId)))
        report.confirmed += 1;
    }
    await rebuildIfDrifted(deps, entry, [...vms.values()].filter(holdsQuota), report);
  }
  return report;
}

type Verdict = 'keep' | 'release' | 'confirm';

async function judge(
  deps: QuotaReconcileDeps,
  tenant: string,
  hold: QuotaHold,
  graceMs: number,
  listed: Map<string, Vm>,
): Promise<Verdict> {
  const isVm = hold.resourceId.startsWith('vm-');
  if (!deps.record && !isVm) return 'keep';
  // A VM created after the listing is read on its own.
  const vm: HeldRecord | undefined =
    listed.get(hold.resourceId) ??
    (deps.record ? await deps.record(tenant, hold.resourceId) : await deps.vms.get(tenant, hold.resourceId));
  if (!vm) {
    const op = await deps.operations.get(tenant, hold.operationId);
    if (op && !isFinished(op)) return 'keep';
    const age = deps.clock.now().getTime() - Date.parse(hold.at);
    return age >= graceMs ? 'release' : 'keep';
  }
  if (vm.activeOperationId) return 'keep';
  if (!holdsQuota(vm) || vm.placement?.site !== hold.site) return 'release';
  const created = vm.cloudId !== undefined || vm.status === 'active' || vm.status === 'available';
  return hold.state === 'reserved' && created && vm.status !== 'pending' ? 'confirm' : 'keep';
}

/** A resource holds quota unless it is deleted, or a failed create that owns nothing in the cloud. */
function holdsQuota(vm: HeldRecord): boolean {
  return vm.status !== 'deleted' && !(vm.status === 'error' && vm.cloudId === undefined);
}

async function everyVm(vms: VmRepository, tenant: string): Promise<Vm[]> {
  const found: Vm[] = [];
  let cursor: string | undefined;
  do {
    const page = await vms.list(
      tenant,
      { includeDeleted: true },
      { limit: 100, ...(cursor ? { cursor } : {}) },
    );
    found.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}

/** Re-reads the site's counters; when holds or totals disagree with inventory, rebuilds them. */
async function rebuildIfDrifted(
  deps: QuotaReconcileDeps,
  stale: QuotaLedgerEntry,
  live: Vm[],
  report: QuotaReconcileReport,
): Promise<void> {
  const entry = await deps.quotas.entry(stale.tenant, stale.site);
  if (!entry) return;
  const holding = new Set(entry.holds.map((h) => h.resourceId));
  const now = deps.clock.now().toISOString();
  const adopted: QuotaHold[] = live
    .filter((vm) => vm.placement?.site === entry.site && !holding.has(vm.id) && !vm.activeOperationId)
    .map((vm) => ({
      resourceId: vm.id,
      site: entry.site,
      demand: deps.demandOf(vm),
      state: vm.cloudId === undefined ? 'reserved' : 'used',
      operationId: vm.operationId ?? '',
      at: now,
    }));
  const holds = [...entry.holds, ...adopted];
  const drift: QuotaDrift[] = [];
  for (const r of QUOTA_RESOURCES) {
    const actualHeld = holds.reduce((sum, h) => sum + (h.demand[r] ?? 0), 0);
    const actualUsed = holds.reduce((sum, h) => sum + (h.state === 'used' ? (h.demand[r] ?? 0) : 0), 0);
    if (actualHeld !== entry.held[r])
      drift.push({
        tenant: entry.tenant,
        site: entry.site,
        resource: r,
        counted: entry.held[r],
        actual: actualHeld,
      });
    else if (actualUsed !== entry.used[r])
      drift.push({
        tenant: entry.tenant,
        site: entry.site,
        resource: r,
        counted: entry.used[r],
        actual: actualUsed,
      });
  }
  if (drift.length === 0 && adopted.length === 0) return;
  // Conditional on the counters' version: a concurrent admission makes this pass leave it to the next.
  if (!(await deps.quotas.rebuild(entry, holds))) return;
  report.rebuilt += 1;
  report.adopted += adopted.length;
  report.drift.push(...drift);
  for (const d of drift) deps.log.warn('quota counter drifted; rebuilt from inventory', { ...d });
}
