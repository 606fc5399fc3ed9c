import { type Context, type EntityJson, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { PlacementRequest } from '../core/model/placement.ts';
import type { Target } from '../core/model/target.ts';
import type { PlacementVerdicts } from '../core/ports/placement-verdicts.ts';
import type { PolicyBundle } from './bundle/policy-bundle.ts';
import { FusedPlacement } from './fused-placement.ts';
import {
  actionEntity,
  placementContext,
  principalEntity,
  principalType,
  withAttributes,
} from './request-entities.ts';
import { decisiveTags } from './tag-literals.ts';
import { type Verdict, verdictOf, verdictOfThrown } from './verdict.ts';
import { VerdictCache } from './verdict-cache.ts';

export interface CedarPlacementOptions {
  /** How many Cedar verdicts to remember (verdict-cache.ts); 0 asks Cedar every time. Default 10 000. */
  cacheSize?: number;
  /** One Cedar call for all candidates (fused-placement.ts) where the bundle allows it. Default true. */
  fused?: boolean;
  /** Drop the tags no policy tests for (tag-literals.ts) before asking Cedar. Default true. */
  trimTags?: boolean;
}

const PLACE = { type: 'Action', id: 'place' } as const;

/**
 * Cedar's answer to placement (core/ports/placement-verdicts.ts): one `place` verdict per candidate target
 * (forbid wins; an error denies). Choosing among them is the core's (core/placement/placement-service.ts).
 *
 * Cost: the bundle is parsed once per process (PolicySlices); per decision, one cedar-wasm call for all
 * candidates against the tenant's slice rewritten per target (FusedPlacement, rewritten on the first
 * decision and parsed on the tenant's first), with target entities built once per bundle and trimmed to
 * the attributes the policies read, and verdicts remembered for repeated requests (VerdictCache).
 */
export class CedarPlacementVerdicts implements PlacementVerdicts {
  readonly bundleHash: string;
  readonly engine = 'cedar';
  readonly #bundle: PolicyBundle;
  /** Per target id: its entity with only the attributes some placement policy reads. */
  readonly #targetEntities: ReadonlyMap<string, EntityJson>;
  /** Context keys some placement policy reads (undefined: keep all, a policy reads `context` whole). */
  readonly #contextKeys: ReadonlySet<string> | undefined;
  /** Tags some placement policy tests for (tag-literals.ts); undefined: a policy reads the set whole. */
  readonly #decisiveTags: ReadonlySet<string> | undefined;
  readonly #actionEntity: EntityJson | undefined;
  readonly #reasons: ReadonlyMap<string, string>;
  readonly #cache: VerdictCache;
  /** Built on the first decision asking two or more targets (null: not wanted, or the bundle refuses it). */
  #fused: FusedPlacement | null | undefined;

  constructor(bundle: PolicyBundle, options: CedarPlacementOptions = {}) {
    this.#bundle = bundle;
    this.bundleHash = bundle.hash;
    const placePolicies = bundle.policies.filter((p) => p.appliesTo.place);
    const read = new Set(placePolicies.flatMap((p) => [...p.attributeNames]));
    this.#targetEntities = new Map(
      [...bundle.targets].map(([id, entity]) => [
        id,
        { ...entity, attrs: withAttributes(entity.attrs, read) },
      ]),
    );
    this.#contextKeys = placePolicies.some((p) => p.readsWholeContext) ? undefined : read;
    this.#decisiveTags = options.trimTags === false ? undefined : decisiveTags(placePolicies);
    this.#actionEntity = actionEntity('place', bundle.schema);
    this.#reasons = new Map(
      bundle.policies.flatMap((p) => (p.reason === undefined ? [] : [[p.id, p.reason]])),
    );
    this.#cache = new VerdictCache(options.cacheSize ?? 10_000);
    // Rewriting the policies asks Cedar about each closed subexpression: done on the first placement,
    // not at start, so a cold start whose first request places nothing does not pay for it.
    if (options.fused === false) this.#fused = null;
  }

  #fusedPlacement(): FusedPlacement | undefined {
    if (this.#fused === undefined) this.#fused = FusedPlacement.build(this.#bundle) ?? null;
    return this.#fused ?? undefined;
  }

  /** Cedar's verdict on each of `targets` for this request, in order. */
  verdicts(request: PlacementRequest, targets: readonly Target[]): Verdict[] {
    const principal = principalEntity(request.principal);
    const shared = [principal];
    const tenant = this.#bundle.tenants.get(request.principal.tenant);
    if (tenant) shared.push(tenant);
    if (this.#actionEntity) shared.push(this.#actionEntity);
    const context = withAttributes(placementContext(request), this.#contextKeys) as Context;
    if (this.#decisiveTags && Array.isArray(context.tags)) {
      const keep = this.#decisiveTags;
      // Sorted: a set's order means nothing to Cedar, and the cache key below should not see it either.
      context.tags = (context.tags as string[]).filter((tag) => keep.has(tag)).sort();
    }
    const setId = this.#bundle.slices.setFor('place', request.principal.tenant);
    // Everything Cedar is given, but the target (the tenant entity and the action follow from the bundle).
    const { roles, sub, tenant: tenantId } = request.principal;
    const requestKey = JSON.stringify([
      setId,
      principalType(request.principal),
      sub,
      [...roles].sort(),
      tenantId,
      context,
    ]);
    const reasonOf = (id: string) => this.#reasons.get(id);
    const known = targets.map((t) => this.#cache.get(`${requestKey}\n${t.id}`));
    const misses = targets.filter((t, i) => known[i] === undefined && this.#targetEntities.has(t.id));
    // Two or more to ask: one fused call for all of them (fused-placement.ts).
    const fused =
      misses.length > 1
        ? this.#fusedPlacement()?.answers(
            { tenant: tenantId, principal, shared, context },
            misses.map((t) => this.#targetEntities.get(t.id)!),
          )
        : undefined;
    return targets.map((target, i) => {
      const cached = known[i];
      if (cached) return cached;
      const entity = this.#targetEntities.get(target.id);
      if (!entity) return verdictOfThrown(new Error(`target ${target.id} is not in the policy bundle`));
      const key = `${requestKey}\n${target.id}`;
      const answered = fused?.get(target.id);
      if (answered) {
        const verdict = verdictOf(answered, reasonOf);
        this.#cache.set(key, verdict);
        return verdict;
      }
      try {
        const answer = statefulIsAuthorized({
          principal: principal.uid,
          action: PLACE,
          resource: entity.uid,
          context,
          preparsedPolicySetId: setId,
          entities: [...shared, entity],
        });
        const verdict = verdictOf(answer, reasonOf);
        this.#cache.set(key, verdict);
        return verdict;
      } catch (error) {
        return verdictOfThrown(error);
      }
    });
  }
}
