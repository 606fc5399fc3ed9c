import { isBrokerError } from '../errors.ts';
import type { Vm } from '../model/vm.ts';
import { vmStatusOf } from '../operations/vm-steps-common.ts';
import type { CloudServer } from '../ports/cloud/compute.ts';
import type { CloudProvider } from '../ports/cloud/provider.ts';
import type { VmRepository } from '../ports/repositories.ts';
import { meteredVmState } from '../usage/usage-meter.ts';
import { type Drift, serverDrift } from './drift.ts';
import {
  changedRecently,
  type OrphanAction,
  orphanAction,
  raiseDrift,
  type SweepContext,
} from './sweep-context.ts';

/**
 * One target's servers against the broker's VMs: one listing of the target (the connector pages through
 * it), held against `records` (every live VM, read once per pass). For each server carrying a VM id:
 * - a stale claim (its operation finished or was never written) is released;
 * - a VM with a running operation is left alone — the operation owns the difference;
 * - a settled VM whose server drifted (stopped, started, resized, broken) is brought in line;
 * - a server no VM owns ({@link ownsServer}) is an orphan: reported, and deleted when so configured.
 * Then each settled VM of the target whose recorded server was not listed is confirmed gone and marked.
 * Young servers and records changed within the grace period are left for a later pass.
 */
export async function sweepServers(
  ctx: SweepContext,
  provider: CloudProvider,
  vms: VmRepository,
  records: ReadonlyMap<string, Vm>,
  orphans: OrphanAction,
): Promise<void> {
  const now = ctx.clock.now().getTime();
  const listed = new Set<string>();
  for await (const server of provider.compute.listServers()) {
    listed.add(server.id);
    if (!server.brokerId?.startsWith('vm-')) continue;
    // Young servers may belong to an operation that has not recorded them yet.
    if (server.createdAt && now - Date.parse(server.createdAt) < ctx.graceMs) continue;
    const vm = records.get(server.brokerId);
    if (vm?.activeOperationId) await releaseIfStale(ctx, vms, vm, server);
    if (vm && ownsServer(vm, ctx.targetId, server.id)) {
      if (!vm.activeOperationId && vm.cloudId === server.id)
        await settleDrift(ctx, provider, vms, vm, server);
      continue;
    }
    await handleOrphan(ctx, provider, vms, server, orphans);
  }
  for (const vm of records.values()) {
    if (vm.placement?.targetId !== ctx.targetId || vm.cloudId === undefined || listed.has(vm.cloudId))
      continue;
    if (vm.activeOperationId || changedRecently(ctx, vm.updatedAt)) continue;
    await settleMissing(ctx, provider, vms, vm, vm.cloudId);
  }
}

/** The ownership rule the sweep applies (see {@link Reconciler}). */
export function ownsServer(vm: Vm, targetId: string, serverId: string): boolean {
  if (vm.status === 'deleted' || vm.placement?.targetId !== targetId) return false;
  if (vm.cloudId !== undefined) return vm.cloudId === serverId;
  return vm.status !== 'error';
}

async function settleDrift(
  ctx: SweepContext,
  provider: CloudProvider,
  vms: VmRepository,
  scanned: Vm,
  server: CloudServer,
): Promise<void> {
  if (!serverDrift(scanned, server, provider.target.sizes)) return;
  // The scan is eventually consistent and a while old: decide on the record as it is now.
  const vm = await vms.get(scanned.tenant, scanned.id);
  if (!vm || vm.activeOperationId || vm.cloudId !== server.id || changedRecently(ctx, vm.updatedAt)) return;
  const drift = serverDrift(vm, server, provider.target.sizes);
  if (drift) await apply(ctx, vms, vm, drift, server.fault);
}

async function settleMissing(
  ctx: SweepContext,
  provider: CloudProvider,
  vms: VmRepository,
  scanned: Vm,
  serverId: string,
): Promise<void> {
  if (!serverDrift(scanned, { ...ghost, id: serverId }, provider.target.sizes)) return;
  try {
    // Listings can lag (EC2): only the server's own lookup saying "not found" proves it gone.
    await provider.compute.getServer(serverId);
    return;
  } catch (error) {
    if (!isBrokerError(error, 'notFound')) throw error;
  }
  const vm = await vms.get(scanned.tenant, scanned.id);
  if (!vm || vm.activeOperationId || vm.cloudId !== serverId || changedRecently(ctx, vm.updatedAt)) return;
  const drift = serverDrift(vm, { ...ghost, id: serverId }, provider.target.sizes);
  if (drift) await apply(ctx, vms, vm, drift, 'the server is gone from its target', false);
}

const ghost: CloudServer = { id: '', name: '', state: 'deleted', rawState: 'gone', addresses: [] };

async function apply(
  ctx: SweepContext,
  vms: VmRepository,
  vm: Vm,
  drift: Drift,
  fault?: string,
  serverExists = true,
) {
  await raiseDrift(ctx, { resourceType: 'vm', id: vm.id, tenant: vm.tenant, updatedAt: vm.updatedAt }, drift);
  const patch =
    drift.kind === 'size'
      ? { size: drift.to }
      : { status: drift.to as Vm['status'], fault: drift.to === 'error' ? (fault ?? 'error') : null };
  const changed = { ...vm, ...patch } as Vm;
  // Metered before the write, with an id derived from the record as it was (like the event): a pass that
  // dies between the two meters the same change again, which the usage store keeps once.
  await ctx.usage?.vm(
    `drift-${vm.id}-${Date.parse(vm.updatedAt) || 0}`,
    `${drift.kind}-${drift.to}`,
    changed,
    meteredVmState(changed.status, serverExists),
    changed.size,
  );
  // Only while no operation holds the VM: one that claimed it since owns the difference now.
  await vms.update(vm.tenant, vm.id, patch, { expectActiveOperation: null }).catch((error: unknown) => {
    if (!isBrokerError(error, 'busy') && !isBrokerError(error, 'notFound')) throw error;
  });
}

async function handleOrphan(
  ctx: SweepContext,
  provider: CloudProvider,
  vms: VmRepository,
  server: CloudServer,
  orphans: OrphanAction,
): Promise<void> {
  // Confirm on the record as it is now: the scan may predate the VM's record or its last change.
  const vm = await vms.findById(server.brokerId!);
  if (vm && ownsServer(vm, ctx.targetId, server.id)) return;
  const action = orphanAction(ctx, server.deployment, orphans);
  if (action === undefined) return;
  const fields = { targetId: ctx.targetId, serverId: server.id, vmId: server.brokerId };
  if (action === 'report') {
    ctx.log.warn('orphaned server (reported, not deleted)', fields);
    return;
  }
  ctx.log.warn('deleting orphaned server', fields);
  await provider.compute.deleteServer(server.id);
  ctx.report.orphansDeleted += 1;
}

/**
 * A claim whose operation finished, or was never written (the process died between the claim and the
 * operation's write), is released — and the VM shows the server's state again, not the transitional
 * status the claim set (`deleting`, `stopping`…), which nothing would ever move on.
 */
async function releaseIfStale(ctx: SweepContext, vms: VmRepository, vm: Vm, server: CloudServer) {
  const operationId = vm.activeOperationId!;
  const op = await ctx.operations.get(vm.tenant, operationId);
  if (op && op.status !== 'succeeded' && op.status !== 'failed') return;
  const status = op || vm.cloudId !== server.id ? vm.status : vmStatusOf(server.state, vm.status);
  await vms
    .update(
      vm.tenant,
      vm.id,
      { activeOperationId: null, task: null, status },
      { expectActiveOperation: operationId },
    )
    .catch(() => undefined);
  ctx.report.releasedClaims += 1;
}
