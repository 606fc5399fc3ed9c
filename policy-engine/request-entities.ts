import type { Context, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { PlacementRequest } from '../core/model/placement.ts';
import type { Principal } from '../core/model/principal.ts';
import type { SchemaModel } from './bundle/schema-model.ts';

/**
 * How the broker's requests look to Cedar. Requests are evaluated without the schema (it was applied
 * once, at load), so everything here is explicit: entity references as `__entity`, and the action's
 * groups as parents of the action entity — without them `action in Action::"api"` would be false.
 */

/** An App when the token holds the `app` role (an application backend), otherwise a User (a person). */
export function principalType(principal: Principal): 'App' | 'User' {
  return principal.roles.includes('app') ? 'App' : 'User';
}

/** A caller, member of its roles and of its tenant. */
export function principalEntity(principal: Principal): EntityJson {
  return {
    uid: { type: principalType(principal), id: principal.sub },
    attrs: { tenant: { __entity: { type: 'Tenant', id: principal.tenant } } },
    parents: [
      ...principal.roles.map((role) => ({ type: 'Role', id: role })),
      { type: 'Tenant', id: principal.tenant },
    ],
  };
}

/** The action entity with every group it is in, or undefined when it is in none (nothing to say then). */
export function actionEntity(action: string, schema: SchemaModel): EntityJson | undefined {
  const ancestors = schema.actions.get(action)?.ancestors ?? [];
  if (ancestors.length === 0) return undefined;
  return {
    uid: { type: 'Action', id: action },
    attrs: {},
    parents: ancestors.map((id) => ({ type: 'Action', id })),
  };
}

/** The `place` context (schema: PlacementContext). Tags become "key=value" strings. */
export function placementContext(request: PlacementRequest): Context {
  return {
    classification: { __entity: { type: 'Classification', id: request.classification } },
    kind: { __entity: { type: 'ResourceKind', id: request.kind } },
    ...(request.size === undefined ? {} : { size: request.size }),
    ...(request.image === undefined ? {} : { image: request.image }),
    ...(request.region === undefined ? {} : { region: request.region }),
    tags: Object.entries(request.tags ?? {}).map(([key, value]) => `${key}=${value}`),
  };
}

/**
 * Keeps only the attributes some policy can read. Every attribute costs time on each call (cedar-wasm
 * copies it across the JS/Wasm boundary), and an attribute no policy names cannot change a decision.
 * `keep` undefined keeps everything.
 */
export function withAttributes<T extends Record<string, unknown>>(
  record: T,
  keep: ReadonlySet<string> | undefined,
): T {
  if (keep === undefined) return record;
  return Object.fromEntries(Object.entries(record).filter(([name]) => keep.has(name))) as T;
}
