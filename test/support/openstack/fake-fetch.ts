/**
 * A scripted `fetch` for the connector's unit tests: routes by method and path pattern, records every
 * call (so tests can check headers such as the pinned microversions), and serves a Keystone that issues
 * tokens with a catalog pointing at fake hosts.
 */
export interface RecordedCall {
  method: string;
  url: URL;
  headers: Headers;
  body: string | undefined;
}

type Handler = (call: RecordedCall, match: RegExpExecArray) => Response | Promise<Response>;

export class FakeFetch {
  readonly calls: RecordedCall[] = [];
  readonly #routes: { method: string; pattern: RegExp; handler: Handler; times?: number }[] = [];

  /** Adds a route; later routes win, and a route with `times` is used that often, then skipped. */
  on(method: string, pattern: RegExp, handler: Handler, times?: number): this {
    this.#routes.unshift({ method, pattern, handler, ...(times === undefined ? {} : { times }) });
    return this;
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    const body =
      typeof init?.body === 'string'
        ? init.body
        : init?.body
          ? new TextDecoder().decode(init.body as Uint8Array)
          : undefined;
    const call: RecordedCall = { method, url, headers: new Headers(init?.headers), body };
    this.calls.push(call);
    for (const route of this.#routes) {
      if (route.method !== method || route.times === 0) continue;
      const match = route.pattern.exec(`${url.host}${url.pathname}`);
      if (!match) continue;
      if (route.times !== undefined) route.times -= 1;
      return route.handler(call, match);
    }
    return json(404, { itemNotFound: { code: 404, message: `no fake route for ${method} ${url.pathname}` } });
  };

  /** Calls to one host (`nova.test`, `cinder.test`, …), Keystone excluded. */
  to(host: string): RecordedCall[] {
    return this.calls.filter((c) => c.url.host === host);
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export const PROJECT_ID = 'p0000000000000000000000000000001';

/** The catalog the fake Keystone hands out: one host per service, region `RegionOne`. */
export const fakeCatalog = () => [
  service('compute', 'http://nova.test/v2.1'),
  service('volumev3', `http://cinder.test/v3/${PROJECT_ID}`),
  service('image', 'http://glance.test'),
  service('network', 'http://neutron.test'),
  service('object-store', `http://swift.test/v1/AUTH_${PROJECT_ID}`),
];

function service(type: string, url: string) {
  return {
    type,
    endpoints: [
      { id: `${type}-public`, interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url },
      {
        id: `${type}-internal`,
        interface: 'internal',
        region: 'RegionOne',
        region_id: 'RegionOne',
        url: url.replace('.test', '.internal'),
      },
      {
        id: `${type}-other`,
        interface: 'public',
        region: 'RegionTwo',
        region_id: 'RegionTwo',
        url: url.replace('.test', '.two'),
      },
    ],
  };
}

/** Adds Keystone at `keystone.test`: every POST /v3/auth/tokens issues `token-N`, valid for `lifetimeMs`. */
export function withKeystone(
  fake: FakeFetch,
  options: { now?: () => number; lifetimeMs?: number } = {},
): FakeFetch {
  let issued = 0;
  return fake.on('POST', /^keystone\.test\/v3\/auth\/tokens$/, () => {
    issued += 1;
    const now = options.now?.() ?? Date.now();
    return json(
      201,
      {
        token: {
          issued_at: new Date(now).toISOString(),
          expires_at: new Date(now + (options.lifetimeMs ?? 3_600_000)).toISOString(),
          user: { id: 'u1', name: 'hcb' },
          project: { id: PROJECT_ID, name: 'hcb' },
          roles: [{ id: 'r1', name: 'member' }],
          catalog: fakeCatalog(),
        },
      },
      { 'X-Subject-Token': `token-${issued}` },
    );
  });
}

/** Test settings for HttpClient: the fake fetch, no real sleeping. */
export const fastHttp = (fake: FakeFetch, sleeps: number[] = []) => ({
  fetch: fake.fetch as typeof fetch,
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
  random: () => 1,
});
