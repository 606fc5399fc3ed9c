import type { CandidateDecision } from '../model/placement.ts';
import type { Target } from '../model/target.ts';
import type { CircuitState } from '../ports/target-health.ts';

/** A target's health for ranking: its circuit state, or `down` when a health check said so. */
export type HealthLevel = CircuitState | 'down';

export interface RankingInput {
  /** The client's region wish. */
  region?: string;
  /** Health per target id (closed when unknown). */
  health: (targetId: string) => HealthLevel;
  /** Free capacity as a fraction 0..1 per target id (1 when unknown). */
  headroom?: (targetId: string) => number;
}

const HEALTH_ORDER: Record<HealthLevel, number> = { closed: 0, halfOpen: 1, open: 2, down: 3 };

/**
 * Orders the permitted targets (docs/design.md, Placement step 3): targets known to be unavailable (open
 * circuit, reported down) after all others — whatever the region wish — then region wish, then health,
 * then quota headroom, then preference (higher first), then cost (lower first), then id for a stable
 * order. Only the targets given (the permitted) are ordered: an unavailable one stays a permitted
 * fallback, a denied one never enters.
 */
export function rankTargets(targets: readonly Target[], input: RankingInput): Target[] {
  const headroom = input.headroom ?? (() => 1);
  const key = (t: Target) => ({
    unavailable: HEALTH_ORDER[input.health(t.id)] >= HEALTH_ORDER.open ? 1 : 0,
    regionMiss: input.region !== undefined && t.region !== input.region ? 1 : 0,
    health: HEALTH_ORDER[input.health(t.id)],
    full: headroom(t.id) <= 0 ? 1 : 0,
    preference: -t.ranking.preference,
    cost: t.ranking.costPerVcpuHour,
  });
  return [...targets].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (
      ka.unavailable - kb.unavailable ||
      ka.regionMiss - kb.regionMiss ||
      ka.health - kb.health ||
      ka.full - kb.full ||
      ka.preference - kb.preference ||
      ka.cost - kb.cost ||
      a.id.localeCompare(b.id)
    );
  });
}

/** Applies rank numbers to the permitted candidates and orders the decision list. */
export function orderCandidates(
  candidates: CandidateDecision[],
  ranked: readonly Target[],
): CandidateDecision[] {
  const position = new Map(ranked.map((t, i) => [t.id, i + 1]));
  const permitted = candidates
    .filter((c) => c.permitted)
    .map((c) => ({ ...c, rank: position.get(c.targetId) }))
    .sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  const denied = candidates.filter((c) => !c.permitted);
  return [...permitted, ...denied];
}
