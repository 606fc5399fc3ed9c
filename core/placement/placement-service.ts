import { canHost } from '../catalogue/catalogue.ts';
import type { CandidateDecision, PlacementDecision, PlacementRequest } from '../model/placement.ts';
import { type Target, type TargetCatalogue, targetRef } from '../model/target.ts';
import type { Clock } from '../ports/clock.ts';
import type { PlacementEngine } from '../ports/placement-engine.ts';
import type { PlacementVerdicts } from '../ports/placement-verdicts.ts';
import type { QuotaDemand, QuotaHeadroom } from '../ports/quotas.ts';
import type { TargetHealthTracker } from '../ports/target-health.ts';
import { quotaDemandOf } from './quota-demand.ts';
import { type HealthLevel, orderCandidates, rankTargets } from './ranking.ts';
import { applyRegion, checkRegion } from './region-constraint.ts';

/** Free capacity (0..1) of a target for this request; 1 when not given. */
export type HeadroomFunction = (targetId: string, request: PlacementRequest) => number | Promise<number>;

export interface PlacementServiceParts {
  catalogue: TargetCatalogue;
  /** The policy engine: one verdict per candidate (for Cedar, one fused evaluation for all of them). */
  verdicts: PlacementVerdicts;
  health: TargetHealthTracker;
  clock: Clock;
  /** Free capacity per target (e.g. a cloud's own limits); combined with the quotas' answer. */
  headroom?: HeadroomFunction;
  /** The tenant's quota headroom per site: a target whose site has no room ranks after those with room. */
  quotas?: QuotaHeadroom;
  /** What a request counts against quotas; default quota-demand.ts. */
  demandOf?: (request: PlacementRequest) => QuotaDemand;
}

/**
 * Placement (docs/design.md, Placement): the catalogue's candidates for the workload, the policy engine's
 * verdict on each (forbid wins; an error denies), those outside a requested region denied too, the
 * permitted ranked by health, headroom, preference and cost. Only permitted candidates are marked
 * `permitted`, so the worker's fallback (remainingPermitted) can never reach a denied target (I1); health
 * and headroom only reorder the permitted, never add or remove one.
 */
export class PlacementService implements PlacementEngine {
  readonly bundleHash: string;
  readonly #p: PlacementServiceParts;

  constructor(parts: PlacementServiceParts) {
    this.#p = parts;
    this.bundleHash = parts.verdicts.bundleHash;
  }

  async decide(request: PlacementRequest): Promise<PlacementDecision> {
    const { catalogue, health, verdicts: engine, clock } = this.#p;
    checkRegion(catalogue, request.region);
    const hosts = catalogue.targets.filter((t) =>
      canHost(t, request.kind, request.size, request.image, request.volumeType),
    );
    const verdicts = engine.verdicts(request, hosts);
    // A requested region is a constraint, applied after policy: the engine's verdicts (and their cache)
    // stay those of the workload, the region only takes candidates away.
    const candidates: CandidateDecision[] = hosts.map((t, i) => {
      const verdict = verdicts[i]!;
      return applyRegion(
        { ...targetRef(t), permitted: verdict.allowed, policies: verdict.policies, reasons: verdict.reasons },
        request.region,
      );
    });
    const permitted = hosts.filter((_, i) => candidates[i]!.permitted);
    const [headroom] = await Promise.all([this.#headroomOf(permitted, request), health.refresh()]);
    const ranked = rankTargets(permitted, {
      ...(request.region === undefined ? {} : { region: request.region }),
      health: (id) => this.#healthLevel(id),
      ...(headroom ? { headroom: (id: string) => headroom.get(id) ?? 1 } : {}),
    });
    const first = ranked[0];
    // Say why a permitted target went to the back (PHI-free: error codes and health-check details).
    const noted = candidates.map((c) => {
      const why = c.permitted ? health.unavailable(c.targetId) : undefined;
      return why ? { ...c, reasons: [...c.reasons, `ranked last: ${why}`] } : c;
    });
    return {
      ...(first === undefined ? {} : { chosen: targetRef(first) }),
      candidates: orderCandidates(noted, ranked),
      bundleHash: this.bundleHash,
      engine: engine.engine,
      decidedAt: clock.now().toISOString(),
    };
  }

  #healthLevel(targetId: string): HealthLevel {
    const circuit = this.#p.health.state(targetId);
    return circuit !== 'open' && this.#p.health.unavailable(targetId) ? 'down' : circuit;
  }

  /** Headroom per permitted target: the lower of the headroom function's and the quotas' (0 or 1). */
  async #headroomOf(
    targets: readonly Target[],
    request: PlacementRequest,
  ): Promise<Map<string, number> | undefined> {
    const { headroom, quotas, catalogue } = this.#p;
    if ((!headroom && !quotas) || targets.length === 0) return undefined;
    const demand = this.#p.demandOf ?? ((r: PlacementRequest) => quotaDemandOf(r, catalogue));
    const [values, sites] = await Promise.all([
      headroom ? Promise.all(targets.map((t) => headroom(t.id, request))) : undefined,
      quotas?.sitesWithRoom(request.principal.tenant, demand(request)),
    ]);
    return new Map(
      targets.map((t, i) => [t.id, Math.min(values?.[i] ?? 1, sites && !sites.has(t.site) ? 0 : 1)]),
    );
  }
}
