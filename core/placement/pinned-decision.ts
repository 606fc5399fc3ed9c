import type { PlacementDecision } from '../model/placement.ts';

/**
 * Some work can only happen where its source is (a volume restored from a snapshot, a VM booted from one
 * of the broker's images): keep the decision — every candidate's verdict stays on record — but make that
 * target the only one tried, and only if policy permitted it.
 */
export function pinnedDecision(
  decision: PlacementDecision,
  pinnedTargetId: string,
  why: string,
): PlacementDecision {
  const candidates = decision.candidates.map((c) => {
    if (c.targetId === pinnedTargetId) return c.permitted ? { ...c, rank: 1 } : c;
    const { rank: _rank, ...rest } = c;
    return c.permitted ? { ...rest, permitted: false, reasons: [...c.reasons, why] } : rest;
  });
  const chosen = candidates.find((c) => c.targetId === pinnedTargetId && c.permitted);
  const { chosen: _chosen, ...rest } = decision;
  return {
    ...rest,
    candidates,
    ...(chosen
      ? {
          chosen: {
            targetId: chosen.targetId,
            cloud: chosen.cloud,
            region: chosen.region,
            site: chosen.site,
          },
        }
      : {}),
  };
}
