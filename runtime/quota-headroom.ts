import type { PlacementRequest } from '../core/model/placement.ts';
import type { Site, TargetCatalogue } from '../core/model/target.ts';
import type { QuotaDemand, QuotaHeadroom } from '../core/ports/quotas.ts';
import { vmDemand } from '../core/quotas/quota-limits.ts';
import type { HeldRecord } from '../core/reconcile/quota-reconcile.ts';
import type { HeadroomFunction } from '../policy-engine/cedar-placement-engine.ts';
import type { BrokerStores } from './stores.ts';

/** What a placement request would hold once admitted. */
export function demandOf(catalogue: TargetCatalogue, request: PlacementRequest): QuotaDemand {
  if (request.kind === 'vm') return vmDemand(catalogue, request.size ?? '');
  return request.kind === 'volume' ? { volumes: 1 } : { buckets: 1 };
}

/**
 * Placement ranks targets on a site where the tenant's quota is full after the others (1 = room, 0 =
 * none): a workload permitted on both sites goes where it fits. One read of the tenant's counters per
 * decision, shared by its candidates.
 */
export function quotaHeadroomFor(quotas: QuotaHeadroom, catalogue: TargetCatalogue): HeadroomFunction {
  const sites = new WeakMap<PlacementRequest, Promise<ReadonlySet<Site>>>();
  const siteOf = new Map(catalogue.targets.map((t) => [t.id, t.site]));
  return async (targetId, request) => {
    let room = sites.get(request);
    if (!room) {
      room = quotas.sitesWithRoom(request.principal.tenant, demandOf(catalogue, request));
      sites.set(request, room);
    }
    const site = siteOf.get(targetId);
    return site !== undefined && (await room).has(site) ? 1 : 0;
  };
}

/** The record of a resource holding quota, by its id's prefix (for the reconciler). */
export async function heldRecord(
  stores: Pick<BrokerStores, 'vms' | 'volumes' | 'snapshots' | 'buckets'>,
  tenant: string,
  id: string,
): Promise<HeldRecord | undefined> {
  const prefix = id.slice(0, id.indexOf('-'));
  const repository = { vm: stores.vms, vol: stores.volumes, snap: stores.snapshots, bkt: stores.buckets }[
    prefix
  ];
  return (await repository?.get(tenant, id)) as HeldRecord | undefined;
}
