import type { PlacementRequest } from '../model/placement.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { QuotaDemand } from '../ports/quotas.ts';

/**
 * What a placement request would count against the tenant's quotas, as far as the request tells: a VM
 * its instance and its size's vCPUs and RAM, a volume or a bucket one of each. Used for ranking only;
 * admission counts the real figures.
 */
export function quotaDemandOf(request: PlacementRequest, catalogue: TargetCatalogue): QuotaDemand {
  switch (request.kind) {
    case 'vm': {
      const size = request.size === undefined ? undefined : catalogue.sizes[request.size];
      return size ? { instances: 1, vcpus: size.vcpus, ramMiB: size.ramMiB } : { instances: 1 };
    }
    case 'volume':
      return { volumes: 1 };
    case 'bucket':
      return { buckets: 1 };
  }
}
