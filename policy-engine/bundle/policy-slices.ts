import { createHash } from 'node:crypto';
import { preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';
import { BrokerError } from '../../core/errors.ts';
import { describeCedarError } from './bundle-problems.ts';
import { ACTION_FAMILIES, type ActionFamily } from './engine-actions.ts';
import type { CompiledPolicy } from './policy-compiler.ts';

export type { ActionFamily } from './engine-actions.ts';

interface Slices {
  general: readonly CompiledPolicy[];
  byTenant: ReadonlyMap<string, readonly CompiledPolicy[]>;
}

/** Policy sets cedar-wasm has already parsed in this process (its cache is per process, keyed by id). */
const preparsed = new Set<string>();

/**
 * The bundle's policies, parsed once per process into cedar-wasm's cache, as one set per action family
 * (`place`, `attach`, `copy`, `link`, API) and tenant: the general policies plus those whose scope names
 * that tenant.
 *
 * Why slices: Cedar evaluates every policy of the set it is given, and most of a large bundle is
 * tenant-specific. A policy scoped to `principal in Tenant::"x"` cannot apply to another tenant's
 * principal — principals are members of exactly their own tenant, and tenants of nothing (checked in
 * schema-model.ts; the engine builds principals that way) — and a policy whose action scope excludes
 * `place` cannot apply to a placement (nor one excluding `link` to a link, …). So leaving them out
 * changes no decision, and a decision costs what the policies that can apply cost. Policies whose tenant
 * is not evident from the scope are general.
 */
export class PolicySlices {
  readonly #prefix: string;
  /** Per family: the general slice, and each tenant's (general + its own) for tenants with policies. */
  readonly #slices: Record<ActionFamily, Slices>;
  /** Sets not parsed yet (parse on first use), by id. */
  readonly #unparsed = new Map<string, readonly CompiledPolicy[]>();
  #parseMs = 0;

  /**
   * `parse: 'now'` (the default) parses every set here, so a set Cedar refuses stops the bundle at load;
   * `'onFirstUse'` parses each set when a decision first asks for it — for a bundle whose policies were
   * already validated (validated-bundle.ts), so a cold start parses only the sets its first request needs
   * (a Lambda function's first `GET` needs the API set alone; placement sets wait for a placement).
   */
  constructor(policies: readonly CompiledPolicy[], options: { parse?: 'now' | 'onFirstUse' } = {}) {
    const key = createHash('sha256');
    for (const p of policies) key.update(`${p.id}\n${p.text}\n`);
    this.#prefix = `hcb:${key.digest('hex').slice(0, 20)}`;
    this.#slices = Object.fromEntries(
      ACTION_FAMILIES.map((family) => [family, this.#prepare(family, policies)]),
    ) as Record<ActionFamily, Slices>;
    if (options.parse !== 'onFirstUse') for (const id of [...this.#unparsed.keys()]) this.#parse(id);
  }

  /** Time this process spent parsing the sets so far (0 for sets cedar-wasm had parsed already). */
  get parseMs(): number {
    return this.#parseMs;
  }

  /** The id of the preparsed set to ask for this family and tenant (parsed now if it was not yet). */
  setFor(family: ActionFamily, tenant: string): string {
    const id = this.#slices[family].byTenant.has(tenant)
      ? `${this.#prefix}:${family}:t:${tenant}`
      : `${this.#prefix}:${family}:*`;
    if (this.#unparsed.has(id)) this.#parse(id);
    return id;
  }

  /** The policies of the set `setFor` names for this family and tenant. */
  policiesFor(family: ActionFamily, tenant: string): readonly CompiledPolicy[] {
    const slices = this.#slices[family];
    return slices.byTenant.get(tenant) ?? slices.general;
  }

  /** How many sets were prepared: one general set per family plus one per tenant with policies of its own. */
  get setCount(): number {
    return ACTION_FAMILIES.reduce((count, family) => count + 1 + this.#slices[family].byTenant.size, 0);
  }

  /** How many of those sets are still to be parsed (on first use). */
  get pendingSetCount(): number {
    return this.#unparsed.size;
  }

  #prepare(family: ActionFamily, policies: readonly CompiledPolicy[]): Slices {
    const relevant = policies.filter((p) => p.appliesTo[family]);
    const general = relevant.filter((p) => p.tenant === undefined);
    const tenants = new Set(relevant.flatMap((p) => (p.tenant === undefined ? [] : [p.tenant])));
    const byTenant = new Map(
      [...tenants].map((tenant) => [tenant, [...general, ...relevant.filter((p) => p.tenant === tenant)]]),
    );
    this.#unparsed.set(`${this.#prefix}:${family}:*`, general);
    for (const [tenant, slice] of byTenant)
      this.#unparsed.set(`${this.#prefix}:${family}:t:${tenant}`, slice);
    return { general, byTenant };
  }

  #parse(id: string): void {
    const policies = this.#unparsed.get(id) ?? [];
    if (preparsed.has(id)) {
      this.#unparsed.delete(id);
      return;
    }
    const started = performance.now();
    const answer = preparsePolicySet(id, {
      staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])),
    });
    if (answer.type === 'failure')
      throw new BrokerError(
        'policy.bundleInvalid',
        `cedar refused policy set ${id}: ${answer.errors.map(describeCedarError).join('; ')}`,
      );
    preparsed.add(id);
    this.#unparsed.delete(id);
    this.#parseMs += performance.now() - started;
  }
}
