import { randomBytes } from 'node:crypto';

/**
 * Requests that point at another tenant's things, built from the app's registered routes so that a new
 * route is probed without anyone listing it. Each probe has a twin: the same request with the foreign id,
 * tenant or cursor replaced by one that exists nowhere. Policy and routes must answer both alike.
 */

/** The kinds of another tenant's things a request can name, and the prefix of their ids. */
export const KINDS = {
  vm: 'vm',
  volume: 'vol',
  snapshot: 'snap',
  bucket: 'bkt',
  network: 'net',
  link: 'lnk',
  image: 'img',
  operation: 'op',
  webhook: 'whk',
  backupPolicy: 'bkp',
} as const;
export type Kind = keyof typeof KINDS;

export interface Route {
  method: string;
  /** Hono's pattern: `/v1/vms/:id`. */
  path: string;
}

export interface Probe {
  route: Route;
  /** How the foreign thing is named: in the path, the body, the query, `?tenant=`, or `?cursor=`. */
  via: 'path' | 'body' | 'query' | 'tenant' | 'cursor' | 'plain';
  /** The request naming the other tenant's thing, and its twin naming something that does not exist. */
  foreign: { url: string; body?: unknown };
  twin: { url: string; body?: unknown };
}

/** What the probes fill in: the other tenant's things, the caller's own, and fixed values. */
export interface ProbeWorld {
  foreignTenant: string;
  foreign: Record<Kind, string>;
  /** The caller's own things, for slots that are not under test (the VM a volume attaches to, …). */
  own: Partial<Record<Kind, string>>;
  /** A list cursor the other tenant got (bound to its tenant and filters). */
  foreignCursor: string;
  /** A real target id, for `:target` and `:id` of target routes. */
  targetId: string;
}

/** A backup policy as a tenant admin writes one. */
export const BACKUP_POLICY_BODY = {
  name: 'probe',
  schedule: '0 2 * * *',
  retention: { count: 1 },
  selector: { tags: { backup: 'probe' } },
};

/**
 * Bodies that reach the handler, per mutating route. `<kind>` is a slot: the other tenant's id under
 * test, or the caller's own one (`<own:kind>`) elsewhere. A mutating route with a JSON body missing here
 * fails the matrix (`missingBodies`), so a new route cannot slip by with only invalid bodies.
 */
export const BODIES: Record<string, unknown[]> = {
  'POST /v1/vms': [{ name: 'probe', size: 'small', image: '<image>', classification: 'internal' }],
  'POST /v1/vms/:id/actions': [{ type: 'stop' }, { type: 'console' }],
  'POST /v1/volumes': [{ name: 'probe', sizeGiB: 1, classification: 'internal', snapshotId: '<snapshot>' }],
  'POST /v1/volumes/:id/attach': [{ vmId: '<vm>' }],
  'POST /v1/volumes/:id/snapshots': [{ name: 'probe' }],
  'POST /v1/volumes/:id/extend': [{ sizeGiB: 2 }],
  'POST /v1/volumes/:id/retype': [{ type: 'ssd' }],
  'POST /v1/buckets': [{ name: 'probe', classification: 'internal' }],
  'POST /v1/networks': [{ name: 'probe', classification: 'internal', cidr: '10.60.0.0/24' }],
  'POST /v1/buckets/:id/presign': [{ key: 'k', method: 'GET', expiresInSeconds: 60 }],
  'POST /v1/links': [
    { from: { vmId: '<vm>' }, to: { vmId: '<own:vm>' }, port: 443, protocol: 'tcp' },
    { from: { vmId: '<own:vm>' }, to: { vmId: '<vm>' }, port: 443, protocol: 'tcp' },
  ],
  'POST /v1/images/:id/copy': [{ targetId: 'sandbox-onprem-south' }],
  'POST /v1/placements/simulate': [{ kind: 'vm', classification: 'internal' }],
  'PUT /v1/sandbox/targets/:id/faults': [{ rules: [], latencyMs: 0 }],
  'POST /v1/admin/reconcile': [{}],
  'POST /v1/webhooks': [{ url: 'http://127.0.0.1:9/hook', events: ['operation.failed'] }],
  'PUT /v1/quotas/:tenant': [{ onprem: { instances: 5 } }],
  'POST /v1/backup-policies': [BACKUP_POLICY_BODY],
  'PUT /v1/backup-policies/:id': [BACKUP_POLICY_BODY],
};

/** List filters that name a thing by id. */
const QUERIES: Record<string, Record<string, Kind>> = {
  'GET /v1/volumes': { vmId: 'vm' },
  'GET /v1/links': { vmId: 'vm' },
};

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** An id of the same kind and shape that exists nowhere. */
export function nowhere(id: string): string {
  const [prefix] = id.split('-');
  const tail = [...randomBytes(25)].map((b) => ALPHABET[b % 32]).join('');
  return `${prefix}-0${tail}`;
}

export const routeKey = (r: Route) => `${r.method} ${r.path}`;

/** The kind a route's `:id` names, from its first segment (`/v1/snapshots/:id` → snapshot). */
function kindOf(path: string): Kind | 'target' | undefined {
  if (path.startsWith('/v1/sandbox/targets') || path.startsWith('/v1/targets/')) return 'target';
  const segment = path.split('/')[2] ?? '';
  if (segment === 'backup-policies') return 'backupPolicy';
  return (Object.keys(KINDS) as Kind[]).find((k) => segment === `${k}s`);
}

const PARAM = /:(\w+)(\{[^}]*\})?/g;

function fill(path: string, values: Record<string, string>): string {
  return path.replace(PARAM, (_, name: string) => encodeURIComponent(values[name] ?? 'x'));
}

function fillBody(template: unknown, slot: (kind: Kind, own: boolean) => string): unknown {
  return JSON.parse(
    JSON.stringify(template).replace(/"<(own:)?(\w+)>"/g, (_, own: string | undefined, kind: string) =>
      JSON.stringify(slot(kind as Kind, own !== undefined)),
    ),
  );
}

/** Every probe for one route. */
export function probesFor(route: Route, w: ProbeWorld): Probe[] {
  const probes: Probe[] = [];
  const params = [...route.path.matchAll(PARAM)].map((m) => m[1]!);
  const routeKind = kindOf(route.path);
  const ownOf = (kind: Kind) => w.own[kind] ?? nowhere(`${KINDS[kind]}-x`);
  const baseValues: Record<string, string> = {};
  for (const p of params)
    baseValues[p] =
      p === 'target' || routeKind === 'target' ? w.targetId : routeKind ? ownOf(routeKind) : 'x';
  const templates = BODIES[routeKey(route)] ?? (route.method === 'GET' ? [undefined] : [{}]);
  const ownBody = (t: unknown) => (t === undefined ? undefined : fillBody(t, (kind) => ownOf(kind)));
  const add = (via: Probe['via'], foreign: Probe['foreign'], twin: Probe['twin']) =>
    probes.push({ route, via, foreign, twin });

  // The other tenant's ids in each path parameter, every kind (wrong kinds must fail alike too).
  for (const p of params)
    for (const id of Object.values(w.foreign)) {
      const other = nowhere(id);
      add(
        'path',
        { url: fill(route.path, { ...baseValues, [p]: id }), body: ownBody(templates[0]) },
        { url: fill(route.path, { ...baseValues, [p]: other }), body: ownBody(templates[0]) },
      );
    }
  // The other tenant's ids where a body refers to something.
  for (const t of templates)
    for (const kind of new Set(
      [...JSON.stringify(t ?? {}).matchAll(/"<(\w+)>"/g)].map((m) => m[1] as Kind),
    )) {
      const body = (value: string) => fillBody(t, (k, own) => (own || k !== kind ? ownOf(k) : value));
      const url = fill(route.path, baseValues);
      add('body', { url, body: body(w.foreign[kind]) }, { url, body: body(nowhere(w.foreign[kind])) });
    }
  // … in list filters.
  for (const [name, kind] of Object.entries(QUERIES[routeKey(route)] ?? {})) {
    const url = fill(route.path, baseValues);
    add(
      'query',
      { url: `${url}?${name}=${w.foreign[kind]}` },
      { url: `${url}?${name}=${nowhere(w.foreign[kind])}` },
    );
  }
  // Naming the other tenant itself, with its ids in the path.
  const foreignValues = Object.fromEntries(
    params.map((p) => [
      p,
      routeKind && routeKind !== 'target' && p === 'id' ? w.foreign[routeKind] : baseValues[p]!,
    ]),
  );
  const twinValues = Object.fromEntries(
    Object.entries(foreignValues).map(([p, v]) => [p, v === baseValues[p] ? v : nowhere(v)]),
  );
  const randomTenant = `t-${randomBytes(6).toString('hex')}`;
  add(
    'tenant',
    { url: `${fill(route.path, foreignValues)}?tenant=${w.foreignTenant}`, body: ownBody(templates[0]) },
    { url: `${fill(route.path, twinValues)}?tenant=${randomTenant}`, body: ownBody(templates[0]) },
  );
  if (route.method === 'GET') {
    const url = fill(route.path, baseValues);
    add('cursor', { url: `${url}?cursor=${w.foreignCursor}` }, { url: `${url}?cursor=${forgedCursor()}` });
    add('plain', { url }, { url });
  }
  return probes;
}

/** A well-formed cursor bound to no list. */
function forgedCursor(): string {
  const key = { pk: `TENANT#t-${randomBytes(4).toString('hex')}`, sk: 'VM#x' };
  return Buffer.from(JSON.stringify({ k: key, s: randomBytes(12).toString('base64url') })).toString(
    'base64url',
  );
}
