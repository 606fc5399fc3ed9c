import type { EntityJson, EntityUidJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { entityNamed, isVar, sameUid, uidOf } from './policy-json.ts';

/**
 * A placement variant (fused-placement.ts) rewritten for the principals of one tenant listed in the
 * bundle, so that a decision need not send the principal and tenant entities at all when nothing else
 * reads them: copying entities into cedar-wasm is most of what a call costs (bench/placement.ts: two
 * small entities ≈ a third of a fused call).
 *
 * What is rewritten, and why each is exact for every principal of `tenant` (request-entities.ts builds
 * them; schema-model.ts checks tenants are members of nothing):
 * - the scope `principal in Tenant::"<tenant>"` becomes `principal`, and the condition
 *   `principal in Tenant::"x"` becomes whether x is the tenant: a principal is a member of its tenant and
 *   of no other;
 * - `principal.tenant` becomes the literal `Tenant::"<tenant>"`, and `principal has tenant` becomes `true`:
 *   every principal carries its tenant in that attribute;
 * - `Tenant::"<tenant>".a` becomes the tenant's value of `a` and `Tenant::"<tenant>" has a` whether it has
 *   one (tenants.yaml is part of the bundle); an attribute it lacks stays as written, to fail as it would.
 * What no request can change is then folded again (constant-folding.ts).
 */
export function withTenantPrincipal(policy: PolicyJson, tenant: EntityJson): PolicyJson {
  const uid = uidOf(tenant.uid);
  const scope = policy.principal;
  const principal =
    scope.op === 'in' && 'entity' in scope && sameUid(uidOf(scope.entity), uid) ? { op: 'All' } : scope;
  return {
    ...policy,
    principal,
    conditions: policy.conditions.map((c) => ({ ...c, body: rewrite(c.body, tenant, uid) })),
  } as PolicyJson;
}

/** Which of the entities every per-target request carries a set of rewritten variants still reads. */
export interface SharedEntitiesNeeded {
  principal: boolean;
  /** The tenant's entity (read through the principal, or named literally). */
  tenant: boolean;
  /** The action's entity (its groups, for `action in …`). */
  action: boolean;
}

export function sharedEntitiesNeeded(
  variants: readonly PolicyJson[],
  tenant: EntityUidJson | undefined,
): SharedEntitiesNeeded {
  const tenantUid = tenant && uidOf(tenant);
  const anyCondition = (test: (node: unknown) => boolean) =>
    variants.some((v) => v.conditions.some((c) => mentions(c.body, test)));
  // A principal's entity is read through `principal`, or through a literal naming it (`App::"…" in …`).
  const principal =
    variants.some((v) => v.principal.op !== 'All') ||
    anyCondition(isVarNamed('principal')) ||
    anyCondition(isEntityOfType('App')) ||
    anyCondition(isEntityOfType('User'));
  return {
    principal,
    // The tenant's entity: through the principal, by name, or through a target's attribute naming it.
    tenant:
      principal ||
      tenantUid === undefined ||
      anyCondition(isEntity(tenantUid)) ||
      anyCondition(isVarNamed('resource')),
    action: variants.some((v) => !isPlaceScope(v.action)) || anyCondition(isVarNamed('action')),
  };
}

/** Whether a decision must send this shared entity (the principal, its tenant, the action) to the set. */
export function sharedIsRead(
  uid: { type: string; id: string },
  principal: { type: string; id: string },
  needs: SharedEntitiesNeeded,
): boolean {
  if (sameUid(uid, principal)) return needs.principal;
  if (uid.type === 'Tenant') return needs.tenant;
  if (uid.type === 'Action') return needs.action;
  return true;
}

/** Bottom-up, so `principal.tenant.a` first becomes `Tenant::"t".a`, then the value of `a`. */
function rewrite<T>(expr: T, tenant: EntityJson, uid: { type: string; id: string }): T {
  if (Array.isArray(expr)) return expr.map((e) => rewrite(e, tenant, uid)) as T;
  if (expr === null || typeof expr !== 'object') return expr;
  const keys = Object.keys(expr);
  if (keys.length === 1 && keys[0] === 'Value') return expr; // a literal: data, not expressions
  const node = Object.fromEntries(
    Object.entries(expr).map(([k, v]) => [k, rewrite(v, tenant, uid)]),
  ) as Record<string, unknown>;
  if (keys.length !== 1) return node as T;
  const membership = node.in as { left: unknown; right: unknown } | undefined;
  if (membership && isVar(membership.left, 'principal') && isEntityOfType('Tenant')(membership.right))
    return { Value: isEntity(uid)(membership.right) } as T;
  const access = (node['.'] ?? node.has) as { left: unknown; attr: unknown } | undefined;
  if (!access || typeof access.attr !== 'string') return node as T;
  const has = 'has' in node;
  if (isVar(access.left, 'principal') && access.attr === 'tenant')
    return { Value: has ? true : { __entity: uid } } as T;
  if (!isEntity(uid)(access.left)) return node as T;
  const present = Object.hasOwn(tenant.attrs, access.attr);
  if (has) return { Value: present } as T;
  return (present ? { Value: tenant.attrs[access.attr] } : node) as T;
}

function mentions(expr: unknown, test: (node: unknown) => boolean): boolean {
  if (test(expr)) return true;
  if (expr === null || typeof expr !== 'object') return false;
  return Object.values(expr).some((v) => mentions(v, test));
}

/** Tests for `mentions`: the variable `name`; an entity literal or reference naming `uid`, or of `type`. */
const isVarNamed = (name: string) => (node: unknown) => isVar(node, name);
const isEntity = (uid: { type: string; id: string }) => (node: unknown) => {
  const entity = entityNamed(node);
  return entity !== undefined && sameUid(entity, uid);
};
const isEntityOfType = (type: string) => (node: unknown) => entityNamed(node)?.type === type;

/** `action` or `action == Action::"place"`: true of every placement request without the action's entity. */
function isPlaceScope(scope: PolicyJson['action']): boolean {
  if (scope.op === 'All') return true;
  return (
    scope.op === '==' && 'entity' in scope && sameUid(uidOf(scope.entity), { type: 'Action', id: 'place' })
  );
}
