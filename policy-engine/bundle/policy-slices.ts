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
  /** Time spent parsing, when this process parsed the sets (0 when they were cached already). */
  readonly parseMs: number;
  readonly #prefix: string;
  /** Per family: the general slice, and each tenant's (general + its own) for tenants with policies. */
  readonly #slices: Record<ActionFamily, Slices>;

  constructor(policies: readonly CompiledPolicy[]) {
    const key = createHash('sha256');
    for (const p of policies) key.update(`${p.id}\n${p.text}\n`);
    this.#prefix = `hcb:${key.digest('hex').slice(0, 20)}`;
    const started = performance.now();
    this.#slices = Object.fromEntries(
      ACTION_FAMILIES.map((family) => [family, this.#prepare(family, policies)]),
    ) as Record<ActionFamily, Slices>;
    this.parseMs = performance.now() - started;
  }

  /** The id of the preparsed set to ask for this family and tenant. */
  setFor(family: ActionFamily, tenant: string): string {
    return this.#slices[family].byTenant.has(tenant)
      ? `${this.#prefix}:${family}:t:${tenant}`
      : `${this.#prefix}:${family}:*`;
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

  #prepare(family: ActionFamily, policies: readonly CompiledPolicy[]): Slices {
    const relevant = policies.filter((p) => p.appliesTo[family]);
    const general = relevant.filter((p) => p.tenant === undefined);
    const tenants = new Set(relevant.flatMap((p) => (p.tenant === undefined ? [] : [p.tenant])));
    const byTenant = new Map(
      [...tenants].map((tenant) => [tenant, [...general, ...relevant.filter((p) => p.tenant === tenant)]]),
    );
    this.#parse(`${this.#prefix}:${family}:*`, general);
    for (const [tenant, slice] of byTenant) this.#parse(`${this.#prefix}:${family}:t:${tenant}`, slice);
    return { general, byTenant };
  }

  #parse(id: string, policies: readonly CompiledPolicy[]): void {
    if (preparsed.has(id)) return;
    const answer = preparsePolicySet(id, {
      staticPolicies: Object.fromEntries(policies.map((p) => [p.id, p.text])),
    });
    if (answer.type === 'failure')
      throw new BrokerError(
        'policy.bundleInvalid',
        `cedar refused policy set ${id}: ${answer.errors.map(describeCedarError).join('; ')}`,
      );
    preparsed.add(id);
  }
}
