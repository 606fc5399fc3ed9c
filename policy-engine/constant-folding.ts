import { isAuthorized, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Folds the parts of a rewritten policy (fused-placement.ts) that no request can change.
 *
 * Why: once `resource.a` is replaced by a target's value, much of a placement policy is closed —
 * `!["north", "dc1"].contains("dc1")`, `Site::"onprem" == Site::"public"` — yet Cedar evaluated it again on
 * every request, once per variant, and targets whose texts differed only there could not share a variant.
 * Folding lets them share, and drops the variants that can never hold.
 *
 * Exactness: a subexpression is folded only when it reads nothing a request brings (no variable, no entity
 * data: no `in`, `.`, `has`, tags, `is`) and Cedar itself, asked once, evaluates it to a boolean without
 * error; Cedar is deterministic, so every request would get the same value there. Anything that errors or
 * is not a boolean stays as written, so errors are reported as before. A variant is dropped only when a
 * condition folds to "never" and every condition before it folded to "always": Cedar joins scope and
 * conditions with a short-circuiting `&&` and a scope cannot fail, so such a variant is neither satisfied
 * nor failing for any request. test/policy/fused-placement.test.ts compares with plain per-target Cedar.
 */
export class ConstantFolder {
  /** Closed subexpression (its JSON) → its boolean value, or undefined when it is not one. */
  readonly #known = new Map<string, boolean | undefined>();

  /** The policy with its closed boolean subexpressions replaced by their values; undefined if it never holds. */
  fold(policy: PolicyJson): PolicyJson | undefined {
    const conditions = policy.conditions.map((c) => ({ ...c, body: this.#foldExpr(c.body) }));
    for (const condition of conditions) {
      const value = literalBoolean(condition.body);
      if (value === undefined) break; // from here on evaluation may fail: keep the variant
      if (value === (condition.kind === 'unless')) return undefined;
    }
    return { ...policy, conditions };
  }

  /** An expression (Cedar's JSON form: one operator key and its operands) with its closed parts folded. */
  #foldExpr<T>(expr: T): T {
    if (Array.isArray(expr)) return expr.map((e) => this.#foldExpr(e)) as T;
    if (expr === null || typeof expr !== 'object') return expr;
    const node = expr as Record<string, unknown>;
    const [op, ...more] = Object.keys(node);
    if (op === undefined || more.length > 0 || op === 'Value') return expr; // a literal, or no expression
    if (!NOT_BOOLEAN.has(op) && isClosed(expr)) {
      const value = this.#valueOf(expr);
      if (value !== undefined) return { Value: value } as T;
    }
    return { [op]: this.#foldOperands(node[op]) } as T;
  }

  /** An operator's operands: one expression, a list of them, or named ones (`left`, `arg`, a record's fields). */
  #foldOperands(operands: unknown): unknown {
    if (Array.isArray(operands)) return operands.map((e) => this.#foldExpr(e));
    if (operands === null || typeof operands !== 'object') return operands;
    return Object.fromEntries(Object.entries(operands).map(([k, v]) => [k, this.#foldExpr(v)]));
  }

  /** Cedar's value for a closed expression when it is a boolean, asked once per distinct expression. */
  #valueOf(expr: unknown): boolean | undefined {
    const key = JSON.stringify(expr);
    if (this.#known.has(key)) return this.#known.get(key);
    let value: boolean | undefined;
    try {
      const answer = isAuthorized({
        principal: CONSTANT,
        action: CONSTANT,
        resource: CONSTANT,
        context: {},
        policies: {
          staticPolicies: {
            closed: {
              effect: 'permit',
              principal: { op: 'All' },
              action: { op: 'All' },
              resource: { op: 'All' },
              conditions: [{ kind: 'when', body: expr }],
            } as PolicyJson,
          },
        },
        entities: [],
      });
      // Allowed: it is true. Denied without an error: it is false (anything but a boolean would fail).
      if (answer.type === 'success' && answer.response.diagnostics.errors.length === 0)
        value = answer.response.decision === 'allow';
    } catch {
      value = undefined;
    }
    this.#known.set(key, value);
    return value;
  }
}

const CONSTANT = { type: 'Constant', id: '' };
/** Operators whose value is never a boolean: asking Cedar about them would be wasted. */
const NOT_BOOLEAN = new Set(['Set', 'Record', '+', '-', '*', 'neg']);
/** What makes an expression depend on the request: variables and entity data (attributes, tags, hierarchy). */
const OPEN = new Set(['Var', 'Slot', 'Unknown', 'in', '.', 'has', 'getTag', 'hasTag', 'is']);

function isClosed(expr: unknown): boolean {
  if (Array.isArray(expr)) return expr.every(isClosed);
  if (expr === null || typeof expr !== 'object') return true;
  const node = expr as Record<string, unknown>;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'Value') return true;
  return keys.every((k) => !OPEN.has(k)) && Object.values(node).every(isClosed);
}

function literalBoolean(expr: unknown): boolean | undefined {
  const node = expr as { Value?: unknown } | null;
  if (node === null || typeof node !== 'object' || Object.keys(node).length !== 1) return undefined;
  return typeof node.Value === 'boolean' ? node.Value : undefined;
}
