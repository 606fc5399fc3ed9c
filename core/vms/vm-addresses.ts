import { BrokerError } from '../errors.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { Vm } from '../model/vm.ts';
import { ownedOrNotFound } from '../owned.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { FlowDecision, FlowPolicy } from '../ports/flow-policy.ts';
import type { VmRepository } from '../ports/repositories.ts';
import { denied } from '../volumes/volume-service.ts';

export interface VmAddressDeps {
  catalogue: TargetCatalogue;
  vms: VmRepository;
  providers: ProviderRegistry;
  flows: FlowPolicy;
}

/** States in which a VM has a server that can carry an address. */
const ADDRESSABLE = ['active', 'stopped', 'paused'];

/**
 * Public addresses of VMs (POST / DELETE /v1/vms/{id}/addresses): one floating or Elastic IP per VM,
 * given only where flow policy's `expose` allows (never to phi or pii workloads), released with the VM.
 * The cloud call is found again by the VM's id (I4): a retry after a crash reuses the address it made,
 * and one the broker never recorded is reported by the reconciler once its VM is gone.
 */
export class VmAddresses {
  readonly #d: VmAddressDeps;

  constructor(deps: VmAddressDeps) {
    this.#d = deps;
  }

  async allocate(principal: Principal, id: string): Promise<{ vm: Vm; verdict: FlowDecision }> {
    const vm = await this.#addressable(principal, id);
    if ((vm.publicAddresses ?? []).length > 0)
      throw new BrokerError('address.alreadyExists', `VM ${id} already has a public address`, {
        details: { ip: vm.publicAddresses![0]!.ip },
      });
    const target = this.#d.catalogue.targets.find((t) => t.id === vm.placement!.targetId);
    if (!target) throw new BrokerError('vm.unplaced', `VM ${id} has no target`);
    const verdict = this.#d.flows.expose({
      principal,
      workload: { classification: vm.classification },
      target,
    });
    if (!verdict.permitted)
      throw denied('address', verdict, `a public address for a ${vm.classification} VM is denied`);
    const network = this.#d.providers.get(target.id).network;
    const address = await network.allocatePublicAddress(vm.cloudId!, vm.id);
    const updated = await this.#d.vms.update(vm.tenant, vm.id, {
      publicAddresses: [{ id: address.id, ip: address.ip }],
    });
    return { vm: updated, verdict };
  }

  async release(principal: Principal, id: string): Promise<Vm> {
    const vm = await ownedOrNotFound('vm', id, this.#d.vms.get(principal.tenant, id));
    const held = vm.publicAddresses ?? [];
    if (held.length === 0) throw new BrokerError('address.notFound', `VM ${id} has no public address`);
    if (vm.activeOperationId !== undefined)
      throw new BrokerError('vm.busy', `VM ${id} is busy (${vm.task ?? 'an operation'})`);
    const network = this.#d.providers.get(vm.placement!.targetId).network;
    for (const address of held) await network.releasePublicAddress(address.id);
    return this.#d.vms.update(vm.tenant, vm.id, { publicAddresses: null });
  }

  async #addressable(principal: Principal, id: string): Promise<Vm> {
    const vm = await ownedOrNotFound('vm', id, this.#d.vms.get(principal.tenant, id));
    if (vm.activeOperationId !== undefined)
      throw new BrokerError('vm.busy', `VM ${id} is busy (${vm.task ?? 'an operation'})`);
    if (!ADDRESSABLE.includes(vm.status) || vm.cloudId === undefined || !vm.placement)
      throw new BrokerError(
        'vm.invalidState',
        `VM ${id} is ${vm.status}; a public address needs its server`,
        {
          details: { status: vm.status },
        },
      );
    return vm;
  }
}

/** Releases the VM's recorded public addresses on its target (VM delete). Idempotent. */
export async function releaseVmAddresses(providers: ProviderRegistry, vm: Vm): Promise<void> {
  if (!vm.placement) return;
  const network = providers.get(vm.placement.targetId).network;
  for (const address of vm.publicAddresses ?? []) await network.releasePublicAddress(address.id);
}
