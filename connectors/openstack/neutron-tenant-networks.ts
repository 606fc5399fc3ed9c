import type { Neutron, NeutronNetwork, NeutronSubnet } from './neutron.ts';
import { networkPath, networksPath, subnetsPath } from './neutron.ts';
import { query, seg } from './session.ts';

/**
 * Neutron calls for tenant networks: networks, subnets and routers (create, delete, router interfaces).
 * https://docs.openstack.org/api-ref/network/v2/#networks, #subnets, #routers-routers
 */

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const subnetPath = (id: string) => `/subnets/${seg(id)}`;
export const routersPath = (params: Record<string, string | number | undefined> = {}) =>
  `/routers${query(params)}`;
export const routerPath = (id: string) => `/routers/${seg(id)}`;

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class NeutronTenantNetworks {
  readonly #n: Neutron;

  constructor(neutron: Neutron) {
    this.#n = neutron;
  }

  /** 201. */
  async createNetwork(network: { name: string; description: string }): Promise<NeutronNetwork> {
    const body = await this.#n.session.json<{ network: NeutronNetwork }>('network', {
      method: 'POST',
      path: networksPath(),
      op: 'neutron.createNetwork',
      accept: [201],
      json: { network: { ...network, admin_state_up: true } },
    });
    return body.network;
  }

  /** 204; 404 when already gone; 409 (NetworkInUse) while ports other than the network's own remain. */
  async deleteNetwork(id: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'DELETE',
      path: networkPath(id),
      op: 'neutron.deleteNetwork',
      accept: [204, 404],
    });
  }

  /** 201. DHCP on, so that servers get their address as on the default network. */
  async createSubnet(subnet: { network_id: string; name: string; cidr: string }): Promise<NeutronSubnet> {
    const body = await this.#n.session.json<{ subnet: NeutronSubnet }>('network', {
      method: 'POST',
      path: subnetsPath(),
      op: 'neutron.createSubnet',
      accept: [201],
      json: { subnet: { ...subnet, ip_version: 4, enable_dhcp: true } },
    });
    return body.subnet;
  }

  /** 204; 404 when already gone; 409 while a port holds an address in it. */
  async deleteSubnet(id: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'DELETE',
      path: subnetPath(id),
      op: 'neutron.deleteSubnet',
      accept: [204, 404],
    });
  }

  listRouters(filters: Record<string, string | undefined>): AsyncIterable<NeutronRouter> {
    return this.#n.list('routers', routersPath, filters, 'neutron.listRouters');
  }

  /** 201; the gateway on the provider (external) network gives the subnet its way out. */
  async createRouter(router: {
    name: string;
    description: string;
    externalNetworkId: string;
  }): Promise<NeutronRouter> {
    const body = await this.#n.session.json<{ router: NeutronRouter }>('network', {
      method: 'POST',
      path: routersPath(),
      op: 'neutron.createRouter',
      accept: [201],
      json: {
        router: {
          name: router.name,
          description: router.description,
          admin_state_up: true,
          external_gateway_info: { network_id: router.externalNetworkId },
        },
      },
    });
    return body.router;
  }

  /** 204; 404 when already gone; 409 while interfaces remain. */
  async deleteRouter(id: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'DELETE',
      path: routerPath(id),
      op: 'neutron.deleteRouter',
      accept: [204, 404],
    });
  }

  /** 200; 400 when the subnet already has an interface on this router (the caller checks first). */
  async addRouterInterface(routerId: string, subnetId: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'PUT',
      path: `${routerPath(routerId)}/add_router_interface`,
      op: 'neutron.addRouterInterface',
      accept: [200],
      json: { subnet_id: subnetId },
    });
  }

  /** 200; 404 when the router or the interface is already gone. */
  async removeRouterInterface(routerId: string, subnetId: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'PUT',
      path: `${routerPath(routerId)}/remove_router_interface`,
      op: 'neutron.removeRouterInterface',
      accept: [200, 404],
      json: { subnet_id: subnetId },
    });
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface NeutronRouter {
  id: string;
  name: string;
  description?: string;
  status: string;
  external_gateway_info?: { network_id: string } | null;
}
