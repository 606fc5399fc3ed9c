import { isBrokerError } from '../errors.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { Site, TargetRef } from '../model/target.ts';
import type { Created } from '../operations/create-once.ts';
import type { QuotaLedger } from '../ports/quota-ledger.ts';
import type { QuotaDemand } from '../ports/quotas.ts';

/**
 * Admission (docs/quotas.md): reserves the create's demand on its chosen target's site. When that site's
 * quota is full, the create moves to the first other *permitted* candidate (in rank order) on a site with
 * room; when none has, the first refusal — `quota.exceeded` — is the answer and nothing is written. A phi
 * workload has only on-prem candidates, so a full on-prem quota refuses it rather than moving it (I1).
 */
export async function admitCreate<R extends { placement?: TargetRef }>(
  quotas: QuotaLedger | undefined,
  tenant: string,
  prepared: Created<R>,
  demand: QuotaDemand,
): Promise<Created<R>> {
  const chosen = prepared.resource.placement;
  if (!quotas || !chosen) return prepared;
  const resourceId = prepared.operation.resource.id;
  const hold = { resourceId, operationId: prepared.operation.id, demand };
  let refusal: unknown;
  const sites: Site[] = [chosen.site];
  for (const candidate of [chosen, ...otherPermitted(prepared.decision, chosen)]) {
    if (candidate !== chosen && sites.includes(candidate.site)) continue;
    sites.push(candidate.site);
    try {
      await quotas.reserve(tenant, candidate.site, hold);
    } catch (error) {
      if (!isBrokerError(error, 'exceeded')) throw error;
      refusal ??= error;
      continue;
    }
    return candidate === chosen ? prepared : moved(prepared, candidate);
  }
  throw refusal;
}

function otherPermitted(decision: PlacementDecision | undefined, chosen: TargetRef): TargetRef[] {
  return (decision?.candidates ?? [])
    .filter((c) => c.permitted && c.targetId !== chosen.targetId && c.site !== chosen.site)
    .sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER))
    .map(({ targetId, cloud, region, site }) => ({ targetId, cloud, region, site }));
}

/** The prepared records placed on `target` instead (the decision records the move as its choice). */
function moved<R extends { placement?: TargetRef }>(prepared: Created<R>, target: TargetRef): Created<R> {
  const decision = prepared.decision ? { ...prepared.decision, chosen: target } : undefined;
  return {
    resource: { ...prepared.resource, placement: target },
    operation: { ...prepared.operation, ...(decision ? { placement: decision } : {}) },
    ...(decision ? { decision } : {}),
  };
}
