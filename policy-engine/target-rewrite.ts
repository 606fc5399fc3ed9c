import type { EntityJson, EntityUidJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { CompiledPolicy } from './bundle/policy-compiler.ts';
import type { ConstantFolder } from './constant-folding.ts';
import { isVar, sameUid, uidOf } from './policy-json.ts';

/** A policy a rewrite could change (fused-placement.ts then keeps one Cedar call per target). */
export const UNSUPPORTED = Symbol('unsupported');

/** One policy rewritten for every target, once per bundle: distinct texts and the targets each serves. */
export interface Rewrite {
  texts: { text: PolicyJson; targetIds: string[] }[];
  /** Targets whose entity a request must still carry for this policy (it names them beyond `.a`/`has a`). */
  needed: string[];
}

/**
 * The policy rewritten for each target; targets for which it reads the same (site-wide rules, rules that
 * ignore the resource) share one text, so Cedar evaluates fewer policies.
 */
export function rewriteOf(
  policy: CompiledPolicy,
  targets: readonly EntityJson[],
  folder: ConstantFolder,
): Rewrite | typeof UNSUPPORTED {
  // Cedar's JSON form carries integers as JS numbers: beyond 2^53 they would round silently.
  if (hasUnsafeNumber(policy.json.conditions)) return UNSUPPORTED;
  const byText = new Map<string, { text: PolicyJson; targetIds: string[] }>();
  const needed: string[] = [];
  for (const target of targets) {
    const rewritten = variantOf(policy.json, target);
    if (rewritten === UNSUPPORTED) return UNSUPPORTED;
    // Folded (constant-folding.ts): texts that differ only in what no request changes become one.
    const variant = rewritten && folder.fold(rewritten);
    if (variant === undefined) continue;
    const uid = uidOf(target.uid);
    if (namesEntity(variant.conditions, uid)) needed.push(uid.id);
    const key = JSON.stringify(variant);
    const same = byText.get(key);
    if (same) same.targetIds.push(uid.id);
    else byText.set(key, { text: variant, targetIds: [uid.id] });
  }
  return { texts: [...byText.values()], needed };
}

/** The policy as it reads for one target, undefined when its scope excludes the target. */
function variantOf(
  policy: CompiledPolicy['json'],
  target: EntityJson,
): PolicyJson | undefined | typeof UNSUPPORTED {
  const uid = uidOf(target.uid);
  const scope = policy.resource;
  const within = (entity: EntityUidJson) => {
    if (sameUid(uidOf(entity), uid)) return true;
    // Membership through parents would need the whole hierarchy; keep per-target calls then.
    return target.parents.length === 0 ? false : UNSUPPORTED;
  };
  let applies: boolean | typeof UNSUPPORTED = true;
  if (scope.op === '==') applies = 'slot' in scope ? UNSUPPORTED : sameUid(uidOf(scope.entity), uid);
  else if (scope.op === 'in') applies = 'slot' in scope ? UNSUPPORTED : within(scope.entity);
  else if (scope.op === 'is') {
    applies = scope.entity_type === uid.type;
    if (applies && scope.in) applies = 'slot' in scope.in ? UNSUPPORTED : within(scope.in.entity);
  }
  if (applies === UNSUPPORTED) return UNSUPPORTED;
  if (!applies) return undefined;
  return {
    ...policy,
    effect: 'permit',
    resource: { op: 'All' },
    conditions: policy.conditions.map((c) => ({ ...c, body: withResource(c.body, target) })),
  } as PolicyJson;
}

/**
 * Replaces `resource` in an expression (Cedar's JSON form) by `target`: `resource.a` by the attribute's
 * value and `resource has a` by whether it has it, so the target's entity need not travel with the
 * request; any other use (or an attribute it lacks, which must fail as it would) by the entity literal.
 */
function withResource<T>(expr: T, target: EntityJson): T {
  if (Array.isArray(expr)) return expr.map((e) => withResource(e, target)) as T;
  if (expr === null || typeof expr !== 'object') return expr;
  const node = expr as Record<string, unknown>;
  const only = Object.keys(node).length === 1;
  if (only && node.Var === 'resource') return { Value: { __entity: uidOf(target.uid) } } as T;
  if (only && 'Value' in node) return expr; // a literal: nothing inside is a variable
  const access = node['.'] as { left: unknown; attr: string } | undefined;
  if (only && access && isVar(access.left, 'resource') && Object.hasOwn(target.attrs, access.attr))
    return { Value: target.attrs[access.attr] } as T;
  const has = node.has as { left: unknown; attr: unknown } | undefined;
  if (only && has && isVar(has.left, 'resource') && typeof has.attr === 'string')
    return { Value: Object.hasOwn(target.attrs, has.attr) } as T;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, withResource(v, target)])) as T;
}

/** Whether a rewritten policy still names the target's entity (so the request must carry it). */
function namesEntity(value: unknown, uid: { type: string; id: string }): boolean {
  if (value === null || typeof value !== 'object') return false;
  const entity = (value as { __entity?: { type: string; id: string } }).__entity;
  if (entity && sameUid(entity, uid)) return true;
  return Object.values(value).some((v) => namesEntity(v, uid));
}

function hasUnsafeNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isSafeInteger(value);
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasUnsafeNumber);
}
