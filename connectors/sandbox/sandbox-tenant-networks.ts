import { randomUUID } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type { CloudTenantNetwork, TenantNetworkService } from '../../core/ports/cloud/network.ts';
import type { SandboxFaults } from './sandbox-faults.ts';
import type { SandboxState, SandboxTenantNetwork } from './sandbox-state.ts';

/**
 * Simulated tenant networks, with the clouds' rules: idempotent on the broker id, one subnet each, a
 * router on on-prem targets (as Neutron's), and no delete while a server still uses the network.
 */
export class SandboxTenantNetworks implements TenantNetworkService {
  readonly #state: SandboxState;
  readonly #faults: SandboxFaults;
  readonly #routed: boolean;

  constructor(state: SandboxState, faults: SandboxFaults, options: { routed: boolean }) {
    this.#state = state;
    this.#faults = faults;
    this.#routed = options.routed;
  }

  async ensureTenantNetwork(input: {
    brokerId: string;
    name: string;
    cidr: string;
  }): Promise<CloudTenantNetwork> {
    await this.#faults.before('ensureTenantNetwork');
    const network = this.#state.mutate((data) => {
      const existing = Object.values(data.tenantNetworks).find((n) => n.brokerId === input.brokerId);
      if (existing) return existing;
      const created: SandboxTenantNetwork = {
        id: randomUUID(),
        ...input,
        subnetId: randomUUID(),
        ...(this.#routed ? { routerId: randomUUID() } : {}),
      };
      data.tenantNetworks[created.id] = created;
      return created;
    });
    this.#faults.after('ensureTenantNetwork');
    return view(network);
  }

  async findTenantNetwork(brokerId: string): Promise<CloudTenantNetwork | undefined> {
    await this.#faults.before('findTenantNetwork');
    const found = Object.values(this.#state.data.tenantNetworks).find((n) => n.brokerId === brokerId);
    return found && view(found);
  }

  async deleteTenantNetwork(brokerId: string): Promise<void> {
    await this.#faults.before('deleteTenantNetwork');
    const network = Object.values(this.#state.data.tenantNetworks).find((n) => n.brokerId === brokerId);
    if (!network) return;
    const inUse = Object.values(this.#state.data.servers).some(
      (s) => s.state !== 'deleted' && s.networks?.includes(network.id),
    );
    if (inUse) throw new BrokerError('sandbox.conflict', `network ${network.id} has servers on it`);
    this.#state.mutate((data) => delete data.tenantNetworks[network.id]);
  }

  async *listTenantNetworks(): AsyncIterable<CloudTenantNetwork> {
    await this.#faults.before('listTenantNetworks');
    for (const network of Object.values(this.#state.data.tenantNetworks)) yield view(network);
  }
}

function view(network: SandboxTenantNetwork): CloudTenantNetwork {
  return {
    id: network.id,
    subnetId: network.subnetId,
    ...(network.routerId === undefined ? {} : { routerId: network.routerId }),
    cidr: network.cidr,
    brokerId: network.brokerId,
    complete: true,
  };
}
