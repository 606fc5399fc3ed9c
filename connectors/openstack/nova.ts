import { type CloudServer, DEPLOYMENT_TAG, type ServerState } from '../../core/ports/cloud/compute.ts';
import type { HttpResponse } from './http.ts';
import type { OpenStackSession, ServiceRequest } from './session.ts';
import { nextLink, query, seg } from './session.ts';

/**
 * Nova v2.1 servers and flavors. https://docs.openstack.org/api-ref/compute/
 *
 * Microversion 2.79 (Train) is pinned and sent on every call. It is the lowest version that gives all of:
 * - 2.37: `networks` is required on create ('auto' | 'none' | list) — no silent auto-allocation;
 * - 2.45: createImage answers `{ image_id }` in the body instead of a Location header;
 * - 2.47: the server embeds its flavor (`original_name`, vcpus, ram…), so no flavor lookup per server;
 * - 2.52: `tags` on create (the broker-id tag that lets lookup filter server-side, `?tags=`);
 * - 2.68: os-migrateLive without `force`; 2.25: `block_migration: 'auto'`;
 * - 2.75: strict query validation (a typo in a filter is a 400, not an unfiltered listing);
 * - 2.79: `delete_on_termination` on volume attachments.
 * Zed (this cloud) offers up to 2.93; Train and later hospital clouds all offer 2.79.
 * https://docs.openstack.org/nova/latest/reference/api-microversion-history.html
 */
export const NOVA_MICROVERSION = '2.79';

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export interface NovaOptions {
  /** Page size for listings; Nova caps it at its `[api] max_limit` (1000 by default) and links the rest. */
  pageSize?: number;
}

export interface CreateServerBody {
  name: string;
  flavorRef: string;
  imageRef: string;
  networks: 'auto' | 'none' | { uuid: string }[];
  metadata: Record<string, string>;
  tags?: string[];
  user_data?: string;
  security_groups?: { name: string }[];
  min_count?: number;
  max_count?: number;
}

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const serversPath = () => '/servers';
export const serverPath = (id: string) => `/servers/${seg(id)}`;
export const serversDetailPath = (params: Record<string, string | number | undefined>) =>
  `/servers/detail${query(params)}`;
export const flavorsDetailPath = (limit: number) => `/flavors/detail${query({ limit })}`;

/** The headers that pin the microversion: the generic one and Nova's own (older proxies read only it). */
export const novaHeaders = (): Record<string, string> => ({
  'OpenStack-API-Version': `compute ${NOVA_MICROVERSION}`,
  'X-OpenStack-Nova-API-Version': NOVA_MICROVERSION,
});

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class Nova {
  readonly #s: OpenStackSession;
  readonly #pageSize: number;

  constructor(session: OpenStackSession, options: NovaOptions = {}) {
    this.#s = session;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** Every Nova request goes through here, so none can miss the microversion headers. */
  request(req: ServiceRequest): Promise<HttpResponse> {
    return this.#s.request('compute', { ...req, headers: { ...novaHeaders(), ...req.headers } });
  }

  async json<T>(req: ServiceRequest): Promise<T> {
    return (await this.request(req)).json<T>();
  }

  paginate<T, B>(req: ServiceRequest, page: (body: B) => { items: T[]; next?: string }): AsyncIterable<T> {
    return this.#s.paginate('compute', { ...req, headers: { ...novaHeaders(), ...req.headers } }, page);
  }

  /** 202; the answer holds only the id (and adminPass). Not retried: lookup by broker id first (I4). */
  async createServer(server: CreateServerBody): Promise<{ id: string }> {
    const body = await this.json<{ server: { id: string } }>({
      method: 'POST',
      path: serversPath(),
      op: 'nova.createServer',
      accept: [202],
      json: { server },
    });
    return { id: body.server.id };
  }

  async getServer(id: string): Promise<NovaServer> {
    const body = await this.json<{ server: NovaServer }>({
      method: 'GET',
      path: serverPath(id),
      op: 'nova.getServer',
      accept: [200],
    });
    return body.server;
  }

  /** Servers with details, all pages. Filters are Nova's query parameters (`tags`, `changes-since`, `name`). */
  listServers(filters: Record<string, string | undefined> = {}): AsyncIterable<NovaServer> {
    return this.paginate<NovaServer, { servers: NovaServer[]; servers_links?: Link[] }>(
      {
        method: 'GET',
        path: serversDetailPath({ ...filters, limit: this.#pageSize }),
        op: 'nova.listServers',
        accept: [200],
      },
      (b) => ({ items: b.servers, next: nextLink(b.servers_links) }),
    );
  }

  /** 204; 404 means it is already gone. */
  async deleteServer(id: string): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: serverPath(id),
      op: 'nova.deleteServer',
      accept: [204, 404],
    });
  }

  /** The project's absolute limits and usage (`GET /limits`, at the pinned microversion). */
  async getLimits(): Promise<NovaAbsoluteLimits> {
    const body = await this.json<{ limits: { absolute: NovaAbsoluteLimits } }>({
      method: 'GET',
      path: '/limits',
      op: 'nova.getLimits',
      accept: [200],
    });
    return body.limits.absolute;
  }

  listFlavors(): AsyncIterable<NovaFlavor> {
    return this.paginate<NovaFlavor, { flavors: NovaFlavor[]; flavors_links?: Link[] }>(
      { method: 'GET', path: flavorsDetailPath(this.#pageSize), op: 'nova.listFlavors', accept: [200] },
      (b) => ({ items: b.flavors, next: nextLink(b.flavors_links) }),
    );
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────

/** Nova's absolute limits (-1: unlimited). */
export interface NovaAbsoluteLimits {
  maxTotalInstances: number;
  maxTotalCores: number;
  maxTotalRAMSize: number;
  totalInstancesUsed?: number;
  totalCoresUsed?: number;
  totalRAMUsed?: number;
}
export interface Link {
  rel: string;
  href: string;
}

export interface NovaAddress {
  addr: string;
  version: number;
  'OS-EXT-IPS:type'?: 'fixed' | 'floating';
}

export interface NovaServer {
  id: string;
  name: string;
  status: string;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:vm_state'?: string;
  addresses?: Record<string, NovaAddress[]>;
  /** ≥ 2.47: the embedded flavor, named by `original_name`. */
  flavor?: { original_name?: string; id?: string; vcpus?: number; ram?: number; disk?: number };
  metadata?: Record<string, string>;
  tags?: string[];
  created?: string;
  updated?: string;
  fault?: { code: number; message: string; created?: string };
  'OS-EXT-SRV-ATTR:host'?: string | null;
}

export interface NovaFlavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
  disk: number;
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
/** Metadata key carrying the broker's VM id on each server it creates. */
export const BROKER_VM_KEY = 'hcb:vm';

export function toCloudServer(
  server: NovaServer,
  sizeRefOf: (flavorName: string) => string = (n) => n,
): CloudServer {
  const taskState = server['OS-EXT-STS:task_state'] ?? null;
  const state = toServerState(server.status, taskState);
  const flavorName = server.flavor?.original_name ?? server.flavor?.id;
  const view: CloudServer = {
    id: server.id,
    name: server.name,
    state,
    rawState: `${server.status}/${taskState ?? 'None'}`,
    addresses: fixedAddresses(server.addresses),
  };
  const brokerId = server.metadata?.[BROKER_VM_KEY];
  if (brokerId !== undefined) view.brokerId = brokerId;
  const deployment = server.metadata?.[DEPLOYMENT_TAG];
  if (deployment !== undefined) view.deployment = deployment;
  if (flavorName !== undefined) view.sizeRef = sizeRefOf(flavorName);
  if (server.created) view.createdAt = server.created;
  // The fault's message is Nova's own text ("No valid host was found. …"); its details (a traceback) are
  // admin-only and never copied.
  if (state === 'error' && server.fault)
    view.fault = `${server.fault.code}: ${server.fault.message}`.slice(0, 255);
  // Admin-only in Nova's default policy: shown when the broker's role may read it.
  const host = server['OS-EXT-SRV-ATTR:host'];
  if (host) view.host = host;
  return view;
}

function fixedAddresses(addresses: NovaServer['addresses']): string[] {
  const out: string[] = [];
  for (const list of Object.values(addresses ?? {}))
    for (const a of list) if ((a['OS-EXT-IPS:type'] ?? 'fixed') === 'fixed') out.push(a.addr);
  return out;
}

// ── state map ──────────────────────────────────────────────────────────────────────────────────────
/** Nova's server statuses (https://docs.openstack.org/api-guide/compute/server_concepts.html). */
const STATUS: Record<string, ServerState> = {
  BUILD: 'building',
  REBUILD: 'building',
  ACTIVE: 'active',
  SHUTOFF: 'stopped',
  PAUSED: 'paused',
  RESIZE: 'resizing',
  REVERT_RESIZE: 'resizing',
  VERIFY_RESIZE: 'verifyResize',
  REBOOT: 'rebooting',
  HARD_REBOOT: 'rebooting',
  MIGRATING: 'migrating',
  ERROR: 'error',
  SOFT_DELETED: 'deleting',
  DELETED: 'deleted',
};

/**
 * The broker's state for a Nova status; the task state wins when it says the server is going away.
 * Anything else (SUSPENDED, SHELVED*, RESCUE, PASSWORD, UNKNOWN) is `unknown`, never a guess.
 */
export function toServerState(status: string, taskState: string | null = null): ServerState {
  if (taskState === 'deleting' && status !== 'DELETED') return 'deleting';
  return STATUS[status] ?? 'unknown';
}
