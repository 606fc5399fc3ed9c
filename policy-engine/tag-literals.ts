import type { CompiledPolicy } from './bundle/policy-compiler.ts';

/**
 * The tags that can change a decision. When every policy reads `context.tags` only as
 * `context.tags.contains("<literal>")` (or tests `context has tags`), a tag equal to none of those
 * literals changes no `contains`, so no decision: dropping it from the context keeps every answer — and
 * lets requests that differ only in such tags (a request counter, a trace id) share verdict-cache
 * entries. Any other use of `context.tags` (`containsAny`, `==`, `isEmpty`, the whole context) reads
 * the set as a whole: undefined then, keep every tag.
 * Policy JSON (EST): https://docs.cedarpolicy.com/policies/json-format.html
 */
export function decisiveTags(policies: readonly CompiledPolicy[]): ReadonlySet<string> | undefined {
  const literals = new Set<string>();
  for (const policy of policies) {
    if (policy.readsWholeContext) return undefined;
    if (!collectLiterals(policy.json.conditions, literals)) return undefined;
  }
  return literals;
}

/** Adds the `context.tags.contains(...)` literals under `node`; false on any other read of the tags. */
function collectLiterals(node: unknown, into: Set<string>): boolean {
  if (Array.isArray(node)) return node.every((item) => collectLiterals(item, into));
  if (typeof node !== 'object' || node === null) return true;
  const record = node as Record<string, unknown>;
  const call = record.contains as { left?: unknown; right?: unknown } | undefined;
  if (call !== undefined && isContextTags(call.left)) {
    const value = (call.right as { Value?: unknown } | undefined)?.Value;
    if (typeof value !== 'string' || Object.keys(record).length !== 1) return false;
    into.add(value);
    return true;
  }
  if (isContextTags(record)) return false;
  return Object.values(record).every((value) => collectLiterals(value, into));
}

/** `context.tags` in Cedar's JSON form. */
function isContextTags(node: unknown): boolean {
  const access = (node as { '.'?: { left?: { Var?: unknown }; attr?: unknown } } | null)?.['.'];
  return access?.left?.Var === 'context' && access.attr === 'tags';
}
