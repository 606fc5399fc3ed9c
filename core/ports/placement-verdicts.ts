import type { PlacementRequest } from '../model/placement.ts';
import type { Target } from '../model/target.ts';

/** The policy engine's answer for one target: may this workload run there, and which policies said so. */
export interface TargetVerdict {
  allowed: boolean;
  /** The deciding policies: the permits that allowed, the forbids that denied, or the ones that failed. */
  policies: string[];
  /** Why, in words (denial reasons, evaluation errors). Never PHI. */
  reasons: string[];
}

/**
 * What a policy engine answers for placement: a verdict per target, nothing more. Filtering the
 * catalogue, ranking and choosing are the placement service's (core/placement/placement-service.ts).
 */
export interface PlacementVerdicts {
  /** The hash of the bundle (policies + targets) the verdicts come from. */
  readonly bundleHash: string;
  /** The engine's name, recorded in each decision. */
  readonly engine: string;
  /** A verdict on each of `targets` for this request, in order; an error denies (fails closed). */
  verdicts(request: PlacementRequest, targets: readonly Target[]): TargetVerdict[];
}
