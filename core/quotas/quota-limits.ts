import { BrokerError } from '../errors.ts';
import { SITES, type Site, type TargetCatalogue } from '../model/target.ts';
import type { QuotaLimits, QuotaLimitsPatch, ResourceCounts } from '../ports/quota-ledger.ts';
import { QUOTA_RESOURCES, type QuotaDemand, type QuotaResource } from '../ports/quotas.ts';

/** The resources that count things (one hold each): their limits bound the size of a tenant's counter item. */
const COUNTED: readonly QuotaResource[] = ['instances', 'volumes', 'snapshots', 'buckets'];
/**
 * Every hold is kept in the tenant's counter item for its site (one conditional write admits exactly), so
 * the counted limits of a site together stay under this: at most ~92 bytes a hold (persistence/quota-item.ts)
 * keeps the item under 370 KB, below DynamoDB's 400 KB (persistence/quota-store.test.ts fills one).
 */
export const MAX_HOLDS_PER_SITE = 4000;

export function zeroCounts(): ResourceCounts {
  return Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, 0])) as ResourceCounts;
}

/** Defaults overlaid with a tenant's overrides. */
export function effectiveLimits(defaults: QuotaLimits, overrides: QuotaLimitsPatch | undefined): QuotaLimits {
  const site = (s: Site): ResourceCounts => ({ ...defaults[s], ...(overrides?.[s] ?? {}) });
  return { onprem: site('onprem'), public: site('public') };
}

/** Refuses limits whose counted resources could hold more than a counter item keeps (422, names the site). */
export function checkLimits(limits: QuotaLimits): void {
  for (const site of SITES) {
    const holds = COUNTED.reduce((sum, r) => sum + limits[site][r], 0);
    if (holds > MAX_HOLDS_PER_SITE)
      throw new BrokerError(
        'quota.limitsTooLarge',
        `body.${site}: instances + volumes + snapshots + buckets may total at most ${MAX_HOLDS_PER_SITE}`,
        {
          fieldIssues: [
            { field: `body.${site}`, message: `counted limits total ${holds}, over ${MAX_HOLDS_PER_SITE}` },
          ],
        },
      );
  }
}

/** What a VM of `size` holds: one instance, its vCPUs and RAM. */
export function vmDemand(catalogue: TargetCatalogue, size: string): QuotaDemand {
  const s = catalogue.sizes[size];
  if (!s) return { instances: 1 };
  return { instances: 1, vcpus: s.vcpus, ramMiB: s.ramMiB };
}

/** The first resource of `demand` that does not fit, if any. */
export function firstOver(
  demand: QuotaDemand,
  limits: ResourceCounts,
  held: ResourceCounts,
): QuotaResource | undefined {
  return QUOTA_RESOURCES.find((r) => (demand[r] ?? 0) > 0 && held[r] + (demand[r] ?? 0) > limits[r]);
}

/** `403 quota.exceeded`, naming site, resource, limit, used and requested (no tenant free text). */
export function quotaExceeded(
  site: Site,
  resource: QuotaResource,
  limit: number,
  used: number,
  reserved: number,
  requested: number,
): BrokerError {
  return new BrokerError(
    'quota.exceeded',
    `the ${site} quota for ${resource} is ${limit}: ${used} used, ${reserved} reserved, ${requested} requested`,
    { details: { site, resource, limit, used, reserved, requested } },
  );
}
