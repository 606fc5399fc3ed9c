import type { OpenStackSession } from './session.ts';
import { nextLink, query, seg } from './session.ts';

/**
 * Neutron v2.0 networks, subnets, ports and floating IPs (security groups: neutron-security-groups.ts).
 * https://docs.openstack.org/api-ref/network/v2/
 */

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export interface CreateFloatingIpBody {
  floating_network_id: string;
  port_id?: string;
  description?: string;
}

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const networksPath = (params: Record<string, string | number | undefined> = {}) =>
  `/networks${query(params)}`;
export const networkPath = (id: string) => `/networks/${seg(id)}`;
export const subnetsPath = (params: Record<string, string | number | undefined> = {}) =>
  `/subnets${query(params)}`;
export const portsPath = (params: Record<string, string | number | undefined> = {}) =>
  `/ports${query(params)}`;
export const portPath = (id: string) => `/ports/${seg(id)}`;
export const floatingIpsPath = (params: Record<string, string | number | undefined> = {}) =>
  `/floatingips${query(params)}`;
export const floatingIpPath = (id: string) => `/floatingips/${seg(id)}`;

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
type Listing<K extends string, T> = { [key in K]: T[] } & {
  [key in `${K}_links`]?: { rel: string; href: string }[];
};

export class Neutron {
  readonly #s: OpenStackSession;
  readonly #pageSize: number;

  constructor(session: OpenStackSession, options: { pageSize?: number } = {}) {
    this.#s = session;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** The session, for the security-group client that shares it. */
  get session(): OpenStackSession {
    return this.#s;
  }

  /** Paginated listing (Neutron links pages only when `limit` is sent). */
  list<K extends string, T>(
    key: K,
    path: (p: Record<string, string | number | undefined>) => string,
    filters: Record<string, string | undefined>,
    op: string,
  ): AsyncIterable<T> {
    return this.#s.paginate<T, Listing<K, T>>(
      'network',
      { method: 'GET', path: path({ ...filters, limit: this.#pageSize }), op, accept: [200] },
      (b) => ({
        items: b[key] as T[],
        next: nextLink(b[`${key}_links` as `${K}_links`] as { rel: string; href: string }[] | undefined),
      }),
    );
  }

  listNetworks(filters: Record<string, string | undefined> = {}): AsyncIterable<NeutronNetwork> {
    return this.list('networks', networksPath, filters, 'neutron.listNetworks');
  }

  async getNetwork(id: string): Promise<NeutronNetwork> {
    return (
      await this.#s.json<{ network: NeutronNetwork }>('network', {
        method: 'GET',
        path: networkPath(id),
        op: 'neutron.getNetwork',
        accept: [200],
      })
    ).network;
  }

  listSubnets(filters: Record<string, string | undefined> = {}): AsyncIterable<NeutronSubnet> {
    return this.list('subnets', subnetsPath, filters, 'neutron.listSubnets');
  }

  /** Ports, e.g. `{ device_id: serverId }` for a server's interfaces. */
  listPorts(filters: Record<string, string | undefined> = {}): AsyncIterable<NeutronPort> {
    return this.list('ports', portsPath, filters, 'neutron.listPorts');
  }

  /**
   * Updates a port only if nobody changed it since we read it: `If-Match: revision_number=N` makes
   * Neutron answer 412 instead of overwriting a concurrent change (read-modify-write of security groups).
   * https://docs.openstack.org/api-ref/network/v2/#revisions
   */
  async updatePort(
    id: string,
    port: Partial<Pick<NeutronPort, 'security_groups'>>,
    revision?: number,
  ): Promise<NeutronPort> {
    const body = await this.#s.json<{ port: NeutronPort }>('network', {
      method: 'PUT',
      path: portPath(id),
      op: 'neutron.updatePort',
      accept: [200],
      json: { port },
      ...(revision === undefined ? {} : { headers: { 'If-Match': `revision_number=${revision}` } }),
    });
    return body.port;
  }

  listFloatingIps(filters: Record<string, string | undefined> = {}): AsyncIterable<NeutronFloatingIp> {
    return this.list('floatingips', floatingIpsPath, filters, 'neutron.listFloatingIps');
  }

  /** 201. Needs an external network (`router:external`); the fake ML2 driver has no dataplane behind it. */
  async createFloatingIp(floatingip: CreateFloatingIpBody): Promise<NeutronFloatingIp> {
    const body = await this.#s.json<{ floatingip: NeutronFloatingIp }>('network', {
      method: 'POST',
      path: floatingIpsPath(),
      op: 'neutron.createFloatingIp',
      accept: [201],
      json: { floatingip },
    });
    return body.floatingip;
  }

  /** Associates with a port (or disassociates with `null`). 200. */
  async updateFloatingIp(id: string, portId: string | null): Promise<NeutronFloatingIp> {
    const body = await this.#s.json<{ floatingip: NeutronFloatingIp }>('network', {
      method: 'PUT',
      path: floatingIpPath(id),
      op: 'neutron.updateFloatingIp',
      accept: [200],
      json: { floatingip: { port_id: portId } },
    });
    return body.floatingip;
  }

  /** 204; 404 when already gone. */
  async deleteFloatingIp(id: string): Promise<void> {
    await this.#s.request('network', {
      method: 'DELETE',
      path: floatingIpPath(id),
      op: 'neutron.deleteFloatingIp',
      accept: [204, 404],
    });
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface NeutronNetwork {
  id: string;
  name: string;
  status: string;
  subnets: string[];
  shared?: boolean;
  'router:external'?: boolean;
  project_id?: string;
}

export interface NeutronSubnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip?: string | null;
}

export interface NeutronPort {
  id: string;
  network_id: string;
  device_id: string;
  device_owner?: string;
  status: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  security_groups: string[];
  port_security_enabled?: boolean;
  revision_number?: number;
}

export interface NeutronFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  port_id: string | null;
  fixed_ip_address?: string | null;
  status: string;
  description?: string;
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a configured reference is an id (else a name to look up). */
export const looksLikeId = (ref: string): boolean => UUID.test(ref);
