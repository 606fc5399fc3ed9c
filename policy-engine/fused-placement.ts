import { createHash } from 'node:crypto';
import {
  type AuthorizationAnswer,
  type AuthorizationError,
  type Context,
  type EntityJson,
  type PolicyJson,
  preparsePolicySet,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyBundle } from './bundle/policy-bundle.ts';
import { ConstantFolder } from './constant-folding.ts';
import { uidOf } from './policy-json.ts';
import { type Rewrite, rewriteOf, UNSUPPORTED } from './target-rewrite.ts';
import {
  type SharedEntitiesNeeded,
  sharedEntitiesNeeded,
  sharedIsRead,
  withTenantPrincipal,
} from './tenant-rewrite.ts';

/** One rewritten policy: which policy it came from, for which targets, with which effect. */
interface Variant {
  policyId: string;
  /** The targets it stands for (the same rewritten text for each of them). */
  targetIds: string[];
  effect: 'permit' | 'forbid';
}

/** A tenant's slice rewritten: its variants, and the targets whose entity a request must still carry. */
interface FusedSet {
  id: string;
  variants: ReadonlyMap<string, Variant>;
  needed: ReadonlySet<string>;
  /** Which of the request's shared entities (principal, tenant, action) the variants still read. */
  shared: SharedEntitiesNeeded;
}

/** What one fused call is given: everything of a per-target `place` request but the target. */
export interface FusedRequest {
  tenant: string;
  principal: EntityJson;
  /** The principal, its tenant, the action: the entities every per-target call would carry. */
  shared: readonly EntityJson[];
  context: Context;
}

/**
 * At most this many tenants get a set of their own rewritten for their principals. cedar-wasm keeps every
 * parsed set for the life of the process (it has no way to drop one): with the shipped policies a
 * tenant's set holds ≈17 KiB, so 1,000 tenants ≈17 MiB.
 */
export const MAX_TENANT_SETS = 1_000;

/** Fused sets cedar-wasm has parsed in this process (null: refused), by id; its cache is per process. */
const preparsed = new Map<string, FusedSet | null>();
const PLACE = { type: 'Action', id: 'place' } as const;

/**
 * One Cedar call answers a placement for every candidate, instead of one call per candidate.
 *
 * Why: each cedar-wasm call copies its entities and context across the JS/Wasm boundary, and that copy,
 * not the policies, is what a decision costs (bench/placement.ts: eight calls carrying a decision's
 * entities take ≈1.6 ms against a one-policy set). So each `place` policy is rewritten once per target —
 * `resource.a` replaced by the target's value (so the target's entity need not travel with the request),
 * the resource scope settled statically (a variant whose scope excludes its target is left out), and the
 * effect made `permit`, so that Cedar reports every satisfied variant (a satisfied `forbid` would
 * otherwise hide the permits of the other targets); what no request can change is then folded
 * (constant-folding.ts: a region list's `contains` of the target's region becomes `true` or `false`, and
 * a variant that can never hold is left out), and targets for which a policy reads the same share one
 * variant; for a tenant listed in the bundle, the variants are rewritten for its principals as well
 * (tenant-rewrite.ts), so that the principal's and tenant's entities need not travel either. From the
 * satisfied and failing variants, the answer Cedar gives a per-target request is
 * rebuilt exactly: satisfied forbids deny, else satisfied permits allow, else default deny, with the
 * errors as they were. test/policy/fused-placement.test.ts compares it with plain per-target evaluation.
 *
 * Rewriting needs every resource scope to be decidable from the target alone and every number to survive
 * JSON; when that fails (a target with parents under `resource in …`, an integer beyond 2^53), `build`
 * answers undefined and the engine asks Cedar per target.
 */
export class FusedPlacement {
  readonly #bundle: PolicyBundle;
  /** Per `place` policy id: its rewrite. */
  readonly #rewrites: ReadonlyMap<string, Rewrite>;
  readonly #targetsKey: string;
  readonly #folder: ConstantFolder;
  /** Per tenant listed in the bundle: the id of its set rewritten for its principals. */
  readonly #tenantSetIds = new Map<string, string>();
  readonly #maxTenantSets: number;

  private constructor(
    bundle: PolicyBundle,
    rewrites: ReadonlyMap<string, Rewrite>,
    folder: ConstantFolder,
    maxTenantSets: number,
  ) {
    this.#bundle = bundle;
    this.#rewrites = rewrites;
    this.#folder = folder;
    this.#maxTenantSets = maxTenantSets;
    this.#targetsKey = digest(JSON.stringify([...bundle.targets.values()]));
  }

  static build(bundle: PolicyBundle, options: { maxTenantSets?: number } = {}): FusedPlacement | undefined {
    const targets = [...bundle.targets.values()];
    const rewrites = new Map<string, Rewrite>();
    const folder = new ConstantFolder();
    for (const policy of bundle.policies) {
      if (!policy.appliesTo.place) continue;
      const rewrite = rewriteOf(policy, targets, folder);
      if (rewrite === UNSUPPORTED) return undefined;
      rewrites.set(policy.id, rewrite);
    }
    return new FusedPlacement(bundle, rewrites, folder, options.maxTenantSets ?? MAX_TENANT_SETS);
  }

  /** How many tenants have a set rewritten for their principals so far (at most `maxTenantSets`). */
  get tenantSetCount(): number {
    return this.#tenantSetIds.size;
  }

  /**
   * Cedar's per-target answers for `targets` (entities trimmed as the caller likes), or undefined when the
   * fused call failed as a whole — the caller then asks per target, which reports the failure exactly.
   */
  answers(
    request: FusedRequest,
    targets: readonly EntityJson[],
  ): Map<string, AuthorizationAnswer> | undefined {
    const [first] = targets;
    if (!first) return new Map();
    const set = this.#setFor(request.tenant);
    if (!set) return undefined;
    const { id, variants, needed, shared } = set;
    const principalUid = uidOf(request.principal.uid);
    let answer: AuthorizationAnswer;
    try {
      answer = statefulIsAuthorized({
        principal: request.principal.uid,
        action: PLACE,
        resource: first.uid,
        context: request.context,
        preparsedPolicySetId: id,
        entities: [
          ...request.shared.filter((e) => sharedIsRead(uidOf(e.uid), principalUid, shared)),
          ...targets.filter((t) => needed.has(uidOf(t.uid).id)),
        ],
      });
    } catch {
      return undefined;
    }
    if (answer.type !== 'success') return undefined;
    const per = new Map(
      targets.map((t) => [
        uidOf(t.uid).id,
        { forbids: [] as string[], permits: [] as string[], errors: [] as AuthorizationError[] },
      ]),
    );
    const slotsOf = (variant: Variant) => variant.targetIds.flatMap((id) => per.get(id) ?? []);
    for (const variantId of answer.response.diagnostics.reason) {
      const variant = variants.get(variantId);
      if (!variant) continue;
      for (const slot of slotsOf(variant))
        (variant.effect === 'forbid' ? slot.forbids : slot.permits).push(variant.policyId);
    }
    for (const { policyId, error } of answer.response.diagnostics.errors) {
      const variant = variants.get(policyId);
      if (!variant) continue;
      for (const slot of slotsOf(variant)) slot.errors.push({ policyId: variant.policyId, error });
    }
    return new Map(
      [...per].map(([targetId, { forbids, permits, errors }]) => [
        targetId,
        {
          type: 'success',
          response: {
            decision: forbids.length === 0 && permits.length > 0 ? 'allow' : 'deny',
            diagnostics: { reason: forbids.length > 0 ? forbids : permits, errors },
          },
          warnings: [],
        },
      ]),
    );
  }

  /**
   * The tenant's slice of `place` policies (as in policy-slices.ts), rewritten, parsed on first use;
   * undefined when Cedar refuses the rewrite (then per-target calls answer, as without fusion). For a
   * tenant listed in the bundle, rewritten for its principals too (tenant-rewrite.ts): one set per such
   * tenant, up to `maxTenantSets`, which a decision calls without the entities nothing reads; beyond
   * that, tenants share their slice's set and send the entities, as unlisted tenants do.
   */
  #setFor(tenant: string): FusedSet | undefined {
    const listed = this.#bundle.tenants.get(tenant);
    const entity =
      listed && (this.#tenantSetIds.has(tenant) || this.#tenantSetIds.size < this.#maxTenantSets)
        ? listed
        : undefined;
    const base = `${this.#bundle.slices.setFor('place', tenant)}:fused:${this.#targetsKey}`;
    let id = base;
    if (entity) {
      // Keyed by the tenant's attributes too (another bundle may list it differently); hashed once.
      id = this.#tenantSetIds.get(tenant) ?? `${base}:as:${tenant}:${digest(JSON.stringify(entity))}`;
      this.#tenantSetIds.set(tenant, id);
    }
    const known = preparsed.get(id);
    if (known !== undefined) return known ?? undefined;
    const variants = new Map<string, Variant>();
    const texts: Record<string, PolicyJson> = {};
    const needed = new Set<string>();
    for (const policy of this.#bundle.slices.policiesFor('place', tenant)) {
      const rewrite = this.#rewrites.get(policy.id)!;
      rewrite.texts.forEach(({ text, targetIds }, n) => {
        const variant = entity ? this.#folder.fold(withTenantPrincipal(text, entity)) : text;
        if (variant === undefined) return; // can never hold for this tenant's principals
        texts[`${policy.id}#${n}`] = variant;
        variants.set(`${policy.id}#${n}`, { policyId: policy.id, targetIds, effect: policy.effect });
      });
      for (const targetId of rewrite.needed) needed.add(targetId);
    }
    const parsed = preparsePolicySet(id, { staticPolicies: texts }).type === 'success';
    const shared = sharedEntitiesNeeded(Object.values(texts), entity?.uid);
    const set = { id, variants, needed, shared };
    preparsed.set(id, parsed ? set : null);
    return parsed ? set : undefined;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
