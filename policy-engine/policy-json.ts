import type { EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';

/** Small readers of Cedar's JSON forms (entity uids, policy expressions), shared by the policy rewrites. */

type Uid = { type: string; id: string };

/** An entity uid in Cedar's JSON form, with or without its `__entity` wrapper, as `{ type, id }`. */
export function uidOf(uid: EntityUidJson): Uid {
  return '__entity' in uid ? uid.__entity : uid;
}

export function sameUid(a: Uid, b: Uid): boolean {
  return a.type === b.type && a.id === b.id;
}

/** Whether an expression is a bare variable (`{ Var: … }`), or that variable when `name` is given. */
export function isVar(expr: unknown, name?: string): boolean {
  if (typeof expr !== 'object' || expr === null || Object.keys(expr).length !== 1) return false;
  const value = (expr as { Var?: unknown }).Var;
  return name === undefined ? value !== undefined : value === name;
}

/** The entity an entity literal (`{ Value: { __entity } }`) or reference (`{ __entity }`) names. */
export function entityNamed(expr: unknown): Uid | undefined {
  if (typeof expr !== 'object' || expr === null) return undefined;
  const value = 'Value' in expr ? (expr as { Value: unknown }).Value : expr;
  return (value as { __entity?: Uid } | null)?.__entity;
}
