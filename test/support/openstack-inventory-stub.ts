import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import type { Target } from '../../core/model/target.ts';
import type { Vm } from '../../core/model/vm.ts';

/**
 * An HTTP stand-in on 127.0.0.1 for the calls a reconcile pass makes to one OpenStack target: Keystone's
 * token, the health probes (one cheap call per service), Nova's server listing and Cinder's volume
 * listing — paged like the real APIs (`limit`, `marker`, a `next` link while more remain, 1000 at most a
 * page). It counts every request by route, so a test can hold the pass to its number of calls.
 */
export interface InventoryStub {
  url: string;
  /** Requests by `METHOD /path` (query left out). */
  calls: Map<string, number>;
  /** Server listings served (pages). */
  listCalls(): number;
  close(): Promise<void>;
}

export interface StubServer {
  id: string;
  /** The broker VM id in the server's metadata. */
  brokerId: string;
  status: 'ACTIVE' | 'SHUTOFF';
  flavor: string;
  created: string;
}

const NOVA_MAX_LIMIT = 1000;

export async function startInventoryStub(servers: StubServer[]): Promise<InventoryStub> {
  let base = '';
  const calls = new Map<string, number>();
  const index = new Map(servers.map((s, i) => [s.id, i]));
  const documents = servers.map(novaDocument);
  const page = (marker: string | null, requested: number) => {
    const limit = Math.min(requested, NOVA_MAX_LIMIT);
    const start = marker === null ? 0 : (index.get(marker) ?? -1) + 1;
    const items = documents.slice(start, start + limit);
    const more = start + limit < documents.length;
    const next = `${base}/v2.1/servers/detail?limit=${limit}&marker=${items.at(-1)?.id}`;
    return { servers: items, ...(more ? { servers_links: [{ rel: 'next', href: next }] } : {}) };
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      const route = `${req.method} ${url.pathname}`;
      calls.set(route, (calls.get(route) ?? 0) + 1);
      if (route === 'POST /v3/auth/tokens') return send(201, token(base), { 'X-Subject-Token': 'stub' });
      if (route === 'GET /v2.1/flavors/detail' || route === 'GET /v2.1/flavors')
        return send(200, { flavors: [{ id: 'f-small', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 }] });
      if (route === 'GET /v2.1/servers/detail')
        return send(200, page(url.searchParams.get('marker'), Number(url.searchParams.get('limit') ?? 1000)));
      if (route === 'GET /v3/volumes/detail' || route === 'GET /v3/volumes')
        return send(200, { volumes: [] });
      if (route === 'GET /v2/images') return send(200, { images: [] });
      if (route === 'GET /v2.0/networks') return send(200, { networks: [] });
      if (route === 'GET /v2.0/floatingips') return send(200, { floatingips: [] });
      if (route === 'HEAD /v1/AUTH_stub') return send(204, undefined);
      return send(404, { itemNotFound: { code: 404, message: 'not in the stub' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    calls,
    listCalls: () => calls.get('GET /v2.1/servers/detail') ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The OpenStack connector pointed at the stub (credentials from the environment it is given). */
export function stubProvider(stub: InventoryStub, id = 'openstack-stub'): OpenStackProvider {
  const target: Target = {
    id,
    cloud: 'openstack',
    region: 'RegionOne',
    site: 'onprem',
    description: 'an HTTP stub of the listing APIs on 127.0.0.1',
    kinds: ['vm', 'volume'],
    attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
    ranking: { preference: 10, costPerVcpuHour: 0 },
    sizes: { small: 'm1.small' },
    images: { 'ubuntu-24.04': 'ubuntu-24.04' },
    connection: {
      authUrl: `${stub.url}/v3`,
      regionName: 'RegionOne',
      interface: 'public',
      projectName: 'hcb',
      projectDomainName: 'Default',
      userDomainName: 'Default',
      network: 'hcb-net',
      credentialsRef: 'env:STUB',
    },
  };
  return new OpenStackProvider(target, { env: { STUB_USERNAME: 'hcb', STUB_PASSWORD: 'stub' } });
}

function novaDocument(s: StubServer) {
  return {
    id: s.id,
    name: s.brokerId,
    status: s.status,
    'OS-EXT-STS:task_state': null,
    'OS-EXT-STS:vm_state': s.status === 'ACTIVE' ? 'active' : 'stopped',
    addresses: { 'hcb-net': [{ addr: '10.77.0.10', version: 4, 'OS-EXT-IPS:type': 'fixed' }] },
    flavor: { original_name: s.flavor },
    metadata: { 'hcb:vm': s.brokerId },
    tags: [`hcb:vm=${s.brokerId}`],
    created: s.created,
  };
}

function token(base: string) {
  const now = Date.now();
  const endpoint = (type: string, url: string) => ({
    type,
    endpoints: [{ id: type, interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url }],
  });
  return {
    token: {
      issued_at: new Date(now).toISOString(),
      expires_at: new Date(now + 3_600_000).toISOString(),
      user: { id: 'stub-user' },
      project: { id: 'stub-project', name: 'hcb' },
      roles: [{ id: 'r', name: 'member' }],
      catalog: [
        endpoint('compute', `${base}/v2.1`),
        endpoint('block-storage', `${base}/v3`),
        endpoint('volumev3', `${base}/v3`),
        endpoint('image', base),
        endpoint('network', base),
        endpoint('object-store', `${base}/v1/AUTH_stub`),
      ],
    },
  };
}

/**
 * `count` servers of one target and the VMs that own them, all settled and old enough to be swept; every
 * `stoppedEvery`-th server was stopped behind the broker's back (its VM still says `active`).
 */
export function fleet(count: number, targetId: string, stoppedEvery = 100) {
  const created = new Date(Date.now() - 86_400_000).toISOString();
  const servers: StubServer[] = [];
  const vms: Vm[] = [];
  for (let i = 0; i < count; i++) {
    const n = String(i).padStart(6, '0');
    const id = `00000000-0000-4000-8000-000000${n}`;
    const brokerId = `vm-fleet${n}`;
    servers.push({
      id,
      brokerId,
      status: i % stoppedEvery === 0 ? 'SHUTOFF' : 'ACTIVE',
      flavor: 'm1.small',
      created,
    });
    vms.push({
      id: brokerId,
      tenant: `tenant-${i % 50}`,
      name: `fleet-${n}`,
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'phi',
      tags: {},
      status: 'active',
      placement: { targetId, cloud: 'openstack', region: 'RegionOne', site: 'onprem' },
      cloudId: id,
      addresses: ['10.77.0.10'],
      operationId: `op-fleet${n}`,
      createdAt: created,
      updatedAt: created,
    });
  }
  return { servers, vms, drifted: Math.ceil(count / stoppedEvery) };
}
