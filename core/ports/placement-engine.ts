import type { PlacementDecision, PlacementRequest } from '../model/placement.ts';

/** Decides where a workload may run (docs/design.md, Placement). Deterministic for the same inputs and health. */
export interface PlacementEngine {
  decide(request: PlacementRequest): Promise<PlacementDecision>;
  /** The hash of the bundle (policies + targets) in force. */
  readonly bundleHash: string;
}
