import { type HeadroomFunction, PlacementService } from '../core/placement/placement-service.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { QuotaHeadroom } from '../core/ports/quotas.ts';
import type { TargetHealthTracker } from '../core/ports/target-health.ts';
import type { PolicyBundle } from '../policy-engine/bundle/policy-bundle.ts';
import {
  type CedarPlacementOptions,
  CedarPlacementVerdicts,
} from '../policy-engine/cedar-placement-verdicts.ts';

export interface CedarPlacementServiceOptions extends CedarPlacementOptions {
  headroom?: HeadroomFunction;
  quotas?: QuotaHeadroom;
}

/** The placement service deciding over the bundle's catalogue with Cedar's verdicts. */
export function cedarPlacementService(
  bundle: PolicyBundle,
  health: TargetHealthTracker,
  clock: Clock,
  options: CedarPlacementServiceOptions = {},
): PlacementService {
  const { headroom, quotas, ...cedar } = options;
  return new PlacementService({
    catalogue: bundle.catalogue,
    verdicts: new CedarPlacementVerdicts(bundle, cedar),
    health,
    clock,
    ...(headroom ? { headroom } : {}),
    ...(quotas ? { quotas } : {}),
  });
}
