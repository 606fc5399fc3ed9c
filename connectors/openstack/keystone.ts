import { isBrokerError } from '../../core/errors.ts';
import type { HttpClient } from './http.ts';
import { openstackError } from './openstack-errors.ts';

/**
 * Keystone v3: password and application-credential authentication, project-scoped tokens, the service
 * catalog, and a token cache per scope that re-authenticates before `expires_at` (and, through the
 * session, once on a 401). https://docs.openstack.org/api-ref/identity/v3/
 */

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export type KeystoneCredentials =
  | { type: 'password'; username: string; password: string; userDomainName?: string; userDomainId?: string }
  | { type: 'applicationCredential'; id: string; secret: string };

export interface KeystoneScope {
  projectId?: string;
  projectName?: string;
  projectDomainName?: string;
  projectDomainId?: string;
}

export interface KeystoneOptions {
  /** The identity v3 endpoint, e.g. `http://127.0.0.1:5000/v3`. */
  authUrl: string;
  /** Read on every (re-)authentication, so rotated secrets are picked up. */
  credentials: () => Promise<KeystoneCredentials>;
  /** The default scope; ignored for application credentials, which carry their own. */
  scope?: KeystoneScope;
  http: HttpClient;
  now?: () => number;
  /** Re-authenticate this long before the token expires (capped at a quarter of its lifetime). */
  refreshMarginMs?: number;
}

export type EndpointInterface = 'public' | 'internal' | 'admin';

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
const base = (authUrl: string) => authUrl.replace(/\/+$/, '');
const tokensUrl = (authUrl: string) => `${base(authUrl)}/auth/tokens`;
const appCredentialsUrl = (authUrl: string, userId: string, id?: string) =>
  `${base(authUrl)}/users/${encodeURIComponent(userId)}/application_credentials${id ? `/${encodeURIComponent(id)}` : ''}`;

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface CatalogEndpoint {
  id: string;
  interface: EndpointInterface;
  region?: string;
  region_id?: string;
  url: string;
}

export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

interface TokenBody {
  token: {
    expires_at: string;
    issued_at: string;
    user: { id: string; name?: string };
    project?: { id: string; name: string };
    roles?: { id: string; name: string }[];
    catalog?: CatalogEntry[];
  };
}

export interface KeystoneToken {
  value: string;
  expiresAt: number;
  issuedAt: number;
  userId: string;
  projectId?: string;
  roles: string[];
  catalog: CatalogEntry[];
}

export interface ApplicationCredential {
  id: string;
  name: string;
  secret: string;
  projectId: string;
  expiresAt?: string;
}

// ── the client ─────────────────────────────────────────────────────────────────────────────────────
/** Service types and the aliases clouds register them under (https://service-types.openstack.org/). */
const SERVICE_ALIASES: Record<string, string[]> = {
  'block-storage': ['block-storage', 'volumev3', 'volume'],
  compute: ['compute'],
  image: ['image'],
  network: ['network'],
  'object-store': ['object-store'],
  identity: ['identity'],
};

export class Keystone {
  readonly #o: KeystoneOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, { token?: KeystoneToken; pending?: Promise<KeystoneToken> }>();
  /** How many times this client authenticated (observability and the token-reuse tests). */
  authentications = 0;

  constructor(options: KeystoneOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** A valid token for the scope, from the cache when it is not about to expire. */
  async token(scope: KeystoneScope | undefined = this.#o.scope): Promise<KeystoneToken> {
    const key = scopeKey(scope);
    const entry = this.#cache.get(key) ?? {};
    this.#cache.set(key, entry);
    if (entry.token && this.#fresh(entry.token)) return entry.token;
    // One authentication in flight per scope, however many callers wait for it.
    entry.pending ??= this.authenticate(scope)
      .then((token) => {
        entry.token = token;
        return token;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  }

  /** Forgets a token the services refused (401), so the next `token()` authenticates again. */
  invalidate(tokenValue: string): void {
    for (const entry of this.#cache.values()) if (entry.token?.value === tokenValue) entry.token = undefined;
  }

  /** Authenticates now, bypassing the cache. */
  async authenticate(scope: KeystoneScope | undefined = this.#o.scope): Promise<KeystoneToken> {
    const credentials = await this.#o.credentials();
    this.authentications += 1;
    const response = await this.#o.http
      .request({
        method: 'POST',
        url: tokensUrl(this.#o.authUrl),
        op: 'keystone.authenticate',
        accept: [201],
        // Authentication creates nothing; repeating it is harmless.
        idempotent: true,
        json: authBody(credentials, scope),
      })
      .catch((error: unknown) => {
        // Keystone answers a deleted or unknown application credential with 404
        // (ApplicationCredentialNotFound), not 401: for the caller it is the same refusal.
        if (isBrokerError(error, 'notFound'))
          throw openstackError('unauthorized', 'keystone.authenticate: credentials refused (not found)', {
            cause: error,
            details: { status: 404 },
          });
        throw error;
      });
    const value = response.headers.get('x-subject-token');
    if (!value)
      throw openstackError('unavailable', 'keystone.authenticate: no X-Subject-Token in the answer');
    return toToken(value, response.json<TokenBody>());
  }

  /** The endpoint URL of a service type for an interface and region, from the token's catalog. */
  endpoint(token: KeystoneToken, type: string, iface: EndpointInterface, region?: string): string {
    const aliases = SERVICE_ALIASES[type] ?? [type];
    for (const alias of aliases) {
      const entry = token.catalog.find((e) => e.type === alias);
      const endpoint = entry?.endpoints.find(
        (e) =>
          e.interface === iface && (region === undefined || e.region_id === region || e.region === region),
      );
      if (endpoint) return endpoint.url.replace(/\/+$/, '');
    }
    throw openstackError(
      'unsupported',
      `keystone: no ${iface} ${type} endpoint${region ? ` in region ${region}` : ''}`,
      {
        details: { type, interface: iface, ...(region ? { region } : {}) },
      },
    );
  }

  /** Revokes a token (DELETE /v3/auth/tokens); used by tests and at shutdown. */
  async revoke(tokenValue: string, authToken: string = tokenValue): Promise<void> {
    await this.#o.http.request({
      method: 'DELETE',
      url: tokensUrl(this.#o.authUrl),
      op: 'keystone.revokeToken',
      accept: [204, 404],
      headers: { 'X-Auth-Token': authToken, 'X-Subject-Token': tokenValue },
    });
  }

  /** Creates an application credential for the token's user (in the token's project). */
  async createApplicationCredential(
    token: KeystoneToken,
    input: { name: string; description?: string; expiresAt?: string },
  ): Promise<ApplicationCredential> {
    const response = await this.#o.http.json<{
      application_credential: {
        id: string;
        name: string;
        secret: string;
        project_id: string;
        expires_at?: string | null;
      };
    }>({
      method: 'POST',
      url: appCredentialsUrl(this.#o.authUrl, token.userId),
      op: 'keystone.createApplicationCredential',
      accept: [201],
      headers: { 'X-Auth-Token': token.value },
      json: {
        application_credential: {
          name: input.name,
          ...(input.description ? { description: input.description } : {}),
          ...(input.expiresAt ? { expires_at: input.expiresAt } : {}),
        },
      },
    });
    const c = response.application_credential;
    return {
      id: c.id,
      name: c.name,
      secret: c.secret,
      projectId: c.project_id,
      ...(c.expires_at ? { expiresAt: c.expires_at } : {}),
    };
  }

  /** Idempotent. */
  async deleteApplicationCredential(token: KeystoneToken, id: string): Promise<void> {
    await this.#o.http.request({
      method: 'DELETE',
      url: appCredentialsUrl(this.#o.authUrl, token.userId, id),
      op: 'keystone.deleteApplicationCredential',
      accept: [204, 404],
      headers: { 'X-Auth-Token': token.value },
    });
  }

  #fresh(token: KeystoneToken): boolean {
    const lifetime = token.expiresAt - token.issuedAt;
    const margin = Math.min(this.#o.refreshMarginMs ?? 300_000, Math.max(0, lifetime / 4));
    return this.#now() < token.expiresAt - margin;
  }
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
function authBody(credentials: KeystoneCredentials, scope: KeystoneScope | undefined): unknown {
  if (credentials.type === 'applicationCredential')
    // An application credential is bound to its project; Keystone refuses an explicit scope with it.
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: credentials.id, secret: credentials.secret },
        },
      },
    };
  const domain = credentials.userDomainId
    ? { id: credentials.userDomainId }
    : { name: credentials.userDomainName ?? 'Default' };
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: credentials.username, domain, password: credentials.password } },
      },
      // Unscoped when the connection names no project (Keystone then picks the user's default, if any).
      ...(scope?.projectId || scope?.projectName ? { scope: { project: projectScope(scope) } } : {}),
    },
  };
}

function projectScope(scope: KeystoneScope): Record<string, unknown> {
  if (scope.projectId) return { id: scope.projectId };
  const domain = scope.projectDomainId
    ? { id: scope.projectDomainId }
    : { name: scope.projectDomainName ?? 'Default' };
  return { name: scope.projectName, domain };
}

function scopeKey(scope: KeystoneScope | undefined): string {
  if (!scope) return 'unscoped';
  if (scope.projectId) return `project-id:${scope.projectId}`;
  return `project:${scope.projectDomainId ?? scope.projectDomainName ?? 'Default'}/${scope.projectName ?? ''}`;
}

export function toToken(value: string, body: TokenBody): KeystoneToken {
  const t = body.token;
  return {
    value,
    expiresAt: Date.parse(t.expires_at),
    issuedAt: Date.parse(t.issued_at),
    userId: t.user.id,
    ...(t.project ? { projectId: t.project.id } : {}),
    roles: (t.roles ?? []).map((r) => r.name),
    catalog: t.catalog ?? [],
  };
}
