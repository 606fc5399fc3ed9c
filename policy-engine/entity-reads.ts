import type { PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { isVar } from './policy-json.ts';

/** Operators that read an entity's data: attributes, tags, ancestors. */
const READS = ['.', 'has', 'getTag', 'hasTag', 'in'];

/**
 * Whether any of the policies reads the data of an entity it reaches other than as `principal`,
 * `resource`, `action` or `context` themselves: `principal.tenant.a` (an attribute of the entity an
 * attribute names), `Tenant::"x" has a`, `resource.owner in …`. When none does, the only entities a
 * request must carry are the principal, the resource and the action — any other (a tenant's, with its
 * attributes) cannot change the answer, and copying it into cedar-wasm costs time on every call.
 * Conservative: every read whose left side is anything but a bare variable counts.
 */
export function readsReachedEntities(policies: readonly PolicyJson[]): boolean {
  return policies.some((p) => p.conditions.some((c) => hasReachedRead(c.body)));
}

function hasReachedRead(expr: unknown): boolean {
  if (Array.isArray(expr)) return expr.some(hasReachedRead);
  if (expr === null || typeof expr !== 'object') return false;
  const entries = Object.entries(expr);
  if (entries.length === 1 && entries[0]![0] === 'Value') return false; // a literal
  for (const [op, operands] of entries) {
    const left = (operands as { left?: unknown } | null)?.left;
    if (READS.includes(op) && left !== undefined && !isVar(left)) return true;
  }
  return entries.some(([, operands]) => hasReachedRead(operands));
}
