import { isRetryable } from '../../core/errors.ts';
import type { CloudTenantNetwork, TenantNetworkService } from '../../core/ports/cloud/network.ts';
import type { Neutron, NeutronNetwork, NeutronSubnet } from './neutron.ts';
import { type NeutronRouter, NeutronTenantNetworks } from './neutron-tenant-networks.ts';
import { openstackError } from './openstack-errors.ts';

/** Every piece of a tenant network carries this name; broker ids are unique, so the name finds them. */
const pieceName = (brokerId: string) => `hcb-${brokerId}`;
const marker = (brokerId: string) => `hcb tenant network [hcb:${brokerId}]`;

/**
 * Tenant networks on Neutron: a network, one subnet, and a router whose gateway is on the provider
 * (external) network with an interface on the subnet. Each piece is looked up by its name before it is
 * made, so a retry after a crash completes what an earlier attempt began and never makes one twice.
 */
export class OpenStackTenantNetworks implements TenantNetworkService {
  readonly #neutron: Neutron;
  readonly #calls: NeutronTenantNetworks;
  readonly #publicNetworkId: () => Promise<string>;

  constructor(neutron: Neutron, publicNetworkId: () => Promise<string>) {
    this.#neutron = neutron;
    this.#calls = new NeutronTenantNetworks(neutron);
    this.#publicNetworkId = publicNetworkId;
  }

  async ensureTenantNetwork(input: {
    brokerId: string;
    name: string;
    cidr: string;
  }): Promise<CloudTenantNetwork> {
    const name = pieceName(input.brokerId);
    const description = marker(input.brokerId);
    const network = (await this.#network(name)) ?? (await this.#calls.createNetwork({ name, description }));
    let subnet = await this.#subnet(network.id);
    if (!subnet) {
      try {
        subnet = await this.#calls.createSubnet({ network_id: network.id, name, cidr: input.cidr });
      } catch (error) {
        // A range Neutron refuses: take the network away again, so that nothing half-made stays behind.
        if (!isRetryable(error)) await this.#calls.deleteNetwork(network.id).catch(() => undefined);
        throw error;
      }
    }
    const router =
      (await this.#router(name)) ??
      (await this.#calls.createRouter({
        name,
        description,
        externalNetworkId: await this.#publicNetworkId(),
      }));
    if (!(await this.#joined(router.id, network.id)))
      await this.#calls.addRouterInterface(router.id, subnet.id);
    return view(input.brokerId, network, subnet, router, true);
  }

  async findTenantNetwork(brokerId: string): Promise<CloudTenantNetwork | undefined> {
    const name = pieceName(brokerId);
    const network = await this.#network(name);
    if (!network) return undefined;
    const subnet = await this.#subnet(network.id);
    const router = await this.#router(name);
    const complete =
      subnet !== undefined && router !== undefined && (await this.#joined(router.id, network.id));
    return view(brokerId, network, subnet, router, complete);
  }

  /** Refused (`conflict`) while a server has a port on the network, before anything is taken apart. */
  async deleteTenantNetwork(brokerId: string): Promise<void> {
    const name = pieceName(brokerId);
    const network = await this.#network(name);
    const router = await this.#router(name);
    if (network) {
      for await (const port of this.#neutron.listPorts({ network_id: network.id }))
        if (port.device_owner?.startsWith('compute:'))
          throw openstackError('conflict', 'servers still have ports on the network', {
            details: { networkId: network.id },
          });
    }
    const subnet = network && (await this.#subnet(network.id));
    if (router) {
      if (subnet) await this.#calls.removeRouterInterface(router.id, subnet.id);
      await this.#calls.deleteRouter(router.id);
    }
    if (subnet) await this.#calls.deleteSubnet(subnet.id);
    if (network) await this.#calls.deleteNetwork(network.id);
  }

  /** The broker's networks by their name; `complete` here says only that the subnet is there. */
  async *listTenantNetworks(): AsyncIterable<CloudTenantNetwork> {
    for await (const network of this.#neutron.listNetworks()) {
      if (!network.name.startsWith('hcb-net-')) continue;
      const subnet = await this.#subnet(network.id);
      yield view(network.name.slice('hcb-'.length), network, subnet, undefined, subnet !== undefined);
    }
  }

  async #network(name: string): Promise<NeutronNetwork | undefined> {
    for await (const n of this.#neutron.listNetworks({ name })) return n;
    return undefined;
  }

  async #subnet(networkId: string): Promise<NeutronSubnet | undefined> {
    for await (const s of this.#neutron.listSubnets({ network_id: networkId })) return s;
    return undefined;
  }

  async #router(name: string): Promise<NeutronRouter | undefined> {
    for await (const r of this.#calls.listRouters({ name })) return r;
    return undefined;
  }

  /** Whether the router has an interface on the network. */
  async #joined(routerId: string, networkId: string): Promise<boolean> {
    for await (const _ of this.#neutron.listPorts({ device_id: routerId, network_id: networkId }))
      return true;
    return false;
  }
}

function view(
  brokerId: string,
  network: NeutronNetwork,
  subnet: NeutronSubnet | undefined,
  router: NeutronRouter | undefined,
  complete: boolean,
): CloudTenantNetwork {
  return {
    id: network.id,
    subnetId: subnet?.id ?? '',
    ...(router ? { routerId: router.id } : {}),
    cidr: subnet?.cidr ?? '',
    brokerId,
    complete,
  };
}
