import { SITES } from '../model/target.ts';
import type { BrokerMetrics } from '../ports/metrics.ts';
import type { QuotaLedger } from '../ports/quota-ledger.ts';
import { QUOTA_RESOURCES } from '../ports/quotas.ts';

/**
 * Reports every counted tenant's quota use (used + reserved: what counts against the limit) and limit per
 * site and resource. Labels are the tenant id (from the trusted token, never tenant free text), the site
 * and the resource name. Read where the level lives: at scrape time on the embedded default, after each
 * reconcile pass on Lambda.
 */
export async function reportQuotaUse(ledger: QuotaLedger, metrics: BrokerMetrics): Promise<number> {
  const tenants = new Set<string>();
  for await (const entry of ledger.entries()) tenants.add(entry.tenant);
  for (const tenant of tenants) {
    const view = await ledger.view(tenant);
    for (const site of SITES)
      for (const resource of QUOTA_RESOURCES)
        metrics.quotaUse(
          tenant,
          site,
          resource,
          view[site].used[resource] + view[site].reserved[resource],
          view[site].limits[resource],
        );
  }
  return tenants.size;
}
