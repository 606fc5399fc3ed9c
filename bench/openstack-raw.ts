import { type NovaServer, novaHeaders } from '../connectors/openstack/nova.ts';

/**
 * The overhead benchmark's baseline: plain `fetch` against Keystone and Nova — one token, Nova's URL from
 * the catalog, the same pinned microversion headers, no retries, no mapping.
 */
export async function rawToken(env: Record<string, string>): Promise<{ token: string; nova: string }> {
  const response = await fetch(`${env.OS_AUTH_URL}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: env.OS_USERNAME,
              domain: { name: env.OS_USER_DOMAIN_NAME },
              password: env.OS_PASSWORD,
            },
          },
        },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME } } },
      },
    }),
  });
  const body = (await response.json()) as {
    token: { catalog: { type: string; endpoints: { interface: string; url: string }[] }[] };
  };
  const nova = body.token.catalog
    .find((s) => s.type === 'compute')!
    .endpoints.find((e) => e.interface === 'public')!.url;
  return { token: response.headers.get('x-subject-token')!, nova: nova.replace(/\/+$/, '') };
}

/** Raw Nova calls against one endpoint with one token: what the connector is compared with. */
export function rawNova(nova: string, token: string) {
  const headers = {
    'X-Auth-Token': token,
    'Content-Type': 'application/json',
    Accept: 'application/json',
    ...novaHeaders(),
  };
  return {
    headers,
    async create(body: unknown): Promise<string> {
      const r = await fetch(`${nova}/servers`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ server: body }),
      });
      if (r.status !== 202) throw new Error(`raw create: HTTP ${r.status}`);
      return ((await r.json()) as { server: { id: string } }).server.id;
    },
    async get(id: string): Promise<NovaServer> {
      const r = await fetch(`${nova}/servers/${id}`, { headers });
      return ((await r.json()) as { server: NovaServer }).server;
    },
    /** Every page of GET /servers/detail, 1000 per page, following servers_links. */
    async list(): Promise<NovaServer[]> {
      let url: string | undefined = `${nova}/servers/detail?limit=1000`;
      const out: NovaServer[] = [];
      while (url) {
        const r = await fetch(url, { headers });
        const body = (await r.json()) as {
          servers: NovaServer[];
          servers_links?: { rel: string; href: string }[];
        };
        out.push(...body.servers);
        url = body.servers_links?.find((l) => l.rel === 'next')?.href;
      }
      return out;
    },
  };
}
