import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NovaServer } from '../connectors/openstack/nova.ts';

/**
 * An instant in-process stand-in for Keystone, Nova, Glance and Neutron — just the calls the overhead
 * benchmark makes — so the connector's client-side cost can be measured without the cloud's latency
 * and noise. Listings serve real server documents captured from the cloud, 1000 per page like Nova.
 */
export interface Stub {
  url: string;
  close(): Promise<void>;
}

export async function startStub(
  servers: NovaServer[],
  ids: { flavor: string; image: string; network: string },
): Promise<Stub> {
  let base = '';
  let created = 0;
  const page = (marker: string | null, limit: number) => {
    const start = marker ? servers.findIndex((s) => s.id === marker) + 1 : 0;
    const items = servers.slice(start, start + limit);
    const last = items[items.length - 1];
    const more = start + limit < servers.length && last;
    return {
      servers: items,
      ...(more
        ? {
            servers_links: [
              { rel: 'next', href: `${base}/v2.1/servers/detail?limit=${limit}&marker=${last.id}` },
            ],
          }
        : {}),
    };
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close', ...headers });
      res.end(JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      const route = `${req.method} ${url.pathname}`;
      if (route === 'POST /v3/auth/tokens')
        return send(201, token(base), { 'X-Subject-Token': 'stub-token' });
      if (route === 'GET /v2.1/flavors/detail')
        return send(200, { flavors: [{ id: ids.flavor, name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 }] });
      if (route === 'GET /v2/images')
        return send(200, { images: [{ id: ids.image, name: 'ubuntu-24.04', status: 'active' }] });
      if (route === 'GET /v2.0/networks')
        return send(200, { networks: [{ id: ids.network, name: 'hcb-net', status: 'ACTIVE', subnets: [] }] });
      if (route === 'POST /v2.1/servers') return send(202, { server: { id: `stub-${++created}` } });
      if (route === 'GET /v2.1/servers/detail')
        return send(200, page(url.searchParams.get('marker'), Number(url.searchParams.get('limit') ?? 1000)));
      return send(404, { itemNotFound: { code: 404, message: 'stub' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: base, close: () => new Promise((resolve) => server.close(() => resolve())) };
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
      catalog: [endpoint('compute', `${base}/v2.1`), endpoint('image', base), endpoint('network', base)],
    },
  };
}
