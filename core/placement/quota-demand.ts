import type { PlacementRequest } from '../model/placement.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { QuotaDemand } from '../ports/quotas.ts';
import { vmDemand } from '../quotas/quota-limits.ts';

/**
 * What a placement request would count against the tenant's quotas, as far as the request tells: a VM
 * its instance and its size's vCPUs and RAM, a volume or a bucket one of each; a network nothing. Used for ranking only;
 * admission counts the real figures.
 */
export function quotaDemandOf(request: PlacementRequest, catalogue: TargetCatalogue): QuotaDemand {
  switch (request.kind) {
    case 'vm':
      return vmDemand(catalogue, request.size ?? '');
    case 'volume':
      return { volumes: 1 };
    case 'bucket':
      return { buckets: 1 };
    case 'network':
      return {};
  }
}
