import { type Context, type EntityJson, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { canHost } from '../core/catalogue/catalogue.ts';
import type { CandidateDecision, PlacementDecision, PlacementRequest } from '../core/model/placement.ts';
import { type Target, targetRef } from '../core/model/target.ts';
import { type HealthLevel, orderCandidates, rankTargets } from '../core/placement/ranking.ts';
import { applyRegion, checkRegion } from '../core/placement/region-constraint.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { PlacementEngine } from '../core/ports/placement-engine.ts';
import type { TargetHealthTracker } from '../core/ports/target-health.ts';
import type { PolicyBundle } from './bundle/policy-bundle.ts';
import { FusedPlacement } from './fused-placement.ts';
import {
  actionEntity,
  placementContext,
  principalEntity,
  principalType,
  withAttributes,
} from './request-entities.ts';
import { type Verdict, verdictOf, verdictOfThrown } from './verdict.ts';
import { VerdictCache } from './verdict-cache.ts';

/** Free capacity (0..1) of a target for this request — quota headroom; 1 when not given. */
export type HeadroomFunction = (targetId: string, request: PlacementRequest) => number | Promise<number>;

export interface CedarPlacementOptions {
  headroom?: HeadroomFunction;
  /** How many Cedar verdicts to remember (verdict-cache.ts); 0 asks Cedar every time. Default 10 000. */
  cacheSize?: number;
  /** One Cedar call for all candidates (fused-placement.ts) where the bundle allows it. Default true. */
  fused?: boolean;
}

const PLACE = { type: 'Action', id: 'place' } as const;

/**
 * Placement by policy (docs/design.md, Placement): the catalogue's candidates for the workload, one Cedar
 * `place` decision per candidate (forbid wins; an error denies), those outside a requested region denied
 * too, the permitted ranked by health, headroom, preference and cost. Only Cedar-permitted candidates are marked `permitted`, so the
 * worker's fallback (remainingPermitted) can never reach a denied target (I1).
 *
 * Cost: the bundle is parsed once per process (PolicySlices); per decision, one cedar-wasm call for all
 * candidates against the tenant's slice rewritten per target (FusedPlacement, parsed on the tenant's
 * first decision), with target entities built once per bundle and trimmed to the attributes the policies
 * read, and verdicts remembered for repeated requests (VerdictCache).
 */
export class CedarPlacementEngine implements PlacementEngine {
  readonly bundleHash: string;
  readonly #bundle: PolicyBundle;
  readonly #health: TargetHealthTracker;
  readonly #clock: Clock;
  readonly #headroom: HeadroomFunction | undefined;
  /** Per target id: its entity with only the attributes some placement policy reads. */
  readonly #targetEntities: ReadonlyMap<string, EntityJson>;
  /** Context keys some placement policy reads (undefined: keep all, a policy reads `context` whole). */
  readonly #contextKeys: ReadonlySet<string> | undefined;
  readonly #actionEntity: EntityJson | undefined;
  readonly #reasons: ReadonlyMap<string, string>;
  readonly #cache: VerdictCache;
  readonly #fused: FusedPlacement | undefined;

  constructor(
    bundle: PolicyBundle,
    health: TargetHealthTracker,
    clock: Clock,
    options: CedarPlacementOptions = {},
  ) {
    this.#bundle = bundle;
    this.#health = health;
    this.#clock = clock;
    this.#headroom = options.headroom;
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
    this.#actionEntity = actionEntity('place', bundle.schema);
    this.#reasons = new Map(
      bundle.policies.flatMap((p) => (p.reason === undefined ? [] : [[p.id, p.reason]])),
    );
    this.#cache = new VerdictCache(options.cacheSize ?? 10_000);
    this.#fused = options.fused === false ? undefined : FusedPlacement.build(bundle);
  }

  async decide(request: PlacementRequest): Promise<PlacementDecision> {
    checkRegion(this.#bundle.catalogue, request.region);
    const hosts = this.#bundle.catalogue.targets.filter((t) =>
      canHost(t, request.kind, request.size, request.image),
    );
    const verdicts = this.verdicts(request, hosts);
    // A requested region is a constraint, applied after policy: Cedar's verdicts (and their cache) stay
    // those of the workload, the region only takes candidates away.
    const candidates: CandidateDecision[] = hosts.map((t, i) => {
      const verdict = verdicts[i]!;
      return applyRegion(
        { ...targetRef(t), permitted: verdict.allowed, policies: verdict.policies, reasons: verdict.reasons },
        request.region,
      );
    });
    const permitted = hosts.filter((_, i) => candidates[i]!.permitted);
    const [headroom] = await Promise.all([this.#headroomOf(permitted, request), this.#health.refresh()]);
    const ranked = rankTargets(permitted, {
      ...(request.region === undefined ? {} : { region: request.region }),
      health: (id) => this.#healthLevel(id),
      ...(headroom ? { headroom: (id: string) => headroom.get(id) ?? 1 } : {}),
    });
    const first = ranked[0];
    // Say why a permitted target went to the back (PHI-free: error codes and health-check details).
    const noted = candidates.map((c) => {
      const why = c.permitted ? this.#health.unavailable(c.targetId) : undefined;
      return why ? { ...c, reasons: [...c.reasons, `ranked last: ${why}`] } : c;
    });
    return {
      ...(first === undefined ? {} : { chosen: targetRef(first) }),
      candidates: orderCandidates(noted, ranked),
      bundleHash: this.bundleHash,
      engine: 'cedar',
      decidedAt: this.#clock.now().toISOString(),
    };
  }

  /** Cedar's verdict on each of `targets` for this request, in order. */
  verdicts(request: PlacementRequest, targets: readonly Target[]): Verdict[] {
    const principal = principalEntity(request.principal);
    const shared = [principal];
    const tenant = this.#bundle.tenants.get(request.principal.tenant);
    if (tenant) shared.push(tenant);
    if (this.#actionEntity) shared.push(this.#actionEntity);
    const context = withAttributes(placementContext(request), this.#contextKeys) as Context;
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
        ? this.#fused?.answers(
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

  #healthLevel(targetId: string): HealthLevel {
    const circuit = this.#health.state(targetId);
    return circuit !== 'open' && this.#health.unavailable(targetId) ? 'down' : circuit;
  }

  async #headroomOf(
    targets: readonly Target[],
    request: PlacementRequest,
  ): Promise<Map<string, number> | undefined> {
    const headroom = this.#headroom;
    if (!headroom || targets.length === 0) return undefined;
    const values = await Promise.all(targets.map((t) => headroom(t.id, request)));
    return new Map(targets.map((t, i) => [t.id, values[i]!]));
  }
}
