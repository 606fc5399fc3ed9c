import type { AuditPlacementSummary } from '../core/model/audit.ts';
import type { PlacementDecision } from '../core/model/placement.ts';

/** The part of a placement decision the audit record keeps. */
export function placementSummary(decision: PlacementDecision): AuditPlacementSummary {
  return {
    ...(decision.chosen ? { chosen: decision.chosen.targetId } : {}),
    engine: decision.engine,
    bundleHash: decision.bundleHash,
    candidates: decision.candidates.map((c) => ({
      targetId: c.targetId,
      permitted: c.permitted,
      policies: c.policies,
    })),
  };
}
