import type { Vm } from '../model/vm.ts';
import type { CloudProvider } from '../ports/cloud/provider.ts';
import type { SweepContext } from './sweep-context.ts';

/**
 * One target's public addresses (floating IPs, Elastic IPs) against the broker's VMs. An address carrying
 * a VM id whose VM is no longer live (deleted, or never recorded) is leaked: the VM's delete releases its
 * addresses, so one left over means a crash or a failed release. Leaks are reported (counted, logged with
 * the target and allocation id, never a tenant's data); releasing them stays an operator's decision.
 */
export async function sweepAddresses(
  ctx: SweepContext,
  provider: CloudProvider,
  records: ReadonlyMap<string, Vm>,
): Promise<void> {
  for await (const address of provider.network.listPublicAddresses()) {
    if (!address.brokerId?.startsWith('vm-')) continue;
    const vm = records.get(address.brokerId);
    if (vm && vm.status !== 'deleted' && vm.placement?.targetId === ctx.targetId) continue;
    ctx.report.leakedAddresses = (ctx.report.leakedAddresses ?? 0) + 1;
    ctx.log.warn('leaked public address', {
      targetId: ctx.targetId,
      addressId: address.id,
      vmId: address.brokerId,
      associated: address.associated,
    });
  }
}
