import type { EntityUidJson } from '@cedar-policy/cedar-wasm/nodejs';

/** An entity uid in Cedar's JSON form, with or without its `__entity` wrapper, as `{ type, id }`. */
export function uidOf(uid: EntityUidJson): { type: string; id: string } {
  return '__entity' in uid ? uid.__entity : uid;
}

export function sameUid(a: { type: string; id: string }, b: { type: string; id: string }): boolean {
  return a.type === b.type && a.id === b.id;
}
