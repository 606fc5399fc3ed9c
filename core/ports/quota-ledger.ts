import type { Site } from '../model/target.ts';
import type { QuotaDemand, QuotaHeadroom, QuotaResource } from './quotas.ts';

export type ResourceCounts = Record<QuotaResource, number>;
export type QuotaLimits = Record<Site, ResourceCounts>;
/** A partial change of limits, as `PUT /v1/quotas/{tenant}` takes it. */
export type QuotaLimitsPatch = Partial<Record<Site, Partial<ResourceCounts>>>;

/** What one resource holds against its tenant's quota on one site. */
export interface QuotaHold {
  resourceId: string;
  site: Site;
  demand: QuotaDemand;
  /** `reserved` from admission until the cloud confirms; then `used` until it is released. */
  state: 'reserved' | 'used';
  /** The operation that reserved it (the create), for the reconciler. */
  operationId: string;
  /** When it was reserved (ISO time). */
  at: string;
}

/** One site's quota of one tenant: the limit of each resource, what is used and what is reserved. */
export interface SiteQuota {
  limits: ResourceCounts;
  used: ResourceCounts;
  reserved: ResourceCounts;
}

/** A site's counters as stored, with every hold (the reconciler's view). */
export interface QuotaLedgerEntry {
  tenant: string;
  site: Site;
  holds: QuotaHold[];
  /** The stored totals: everything held (reserved + used), and used alone. */
  held: ResourceCounts;
  used: ResourceCounts;
  version: number;
}

/**
 * Per-tenant, per-site quotas with atomic admission (docs/quotas.md): every change is one conditional
 * write of the tenant's counter item for the site, which holds the totals and one hold per resource, so a
 * retried step never reserves, confirms or releases twice.
 */
export interface QuotaLedger extends QuotaHeadroom {
  /** Reserves `demand` for a resource, or throws `quota.exceeded`; a second call for it changes nothing. */
  reserve(
    tenant: string,
    site: Site,
    hold: { resourceId: string; operationId: string; demand: QuotaDemand },
  ): Promise<void>;
  /** The cloud confirmed the resource: its reservation becomes usage. False when it held nothing reserved. */
  confirm(tenant: string, site: Site, resourceId: string): Promise<boolean>;
  /**
   * Moves a resource's hold to another site (a create falling back to a target there): reserves it there
   * (or throws `quota.exceeded`), then releases it on `from`.
   */
  move(tenant: string, resourceId: string, from: Site, to: Site): Promise<void>;
  /** Releases whatever the resource holds on `site` (both sites when not given). False when it held nothing. */
  release(tenant: string, resourceId: string, site?: Site): Promise<boolean>;
  /**
   * Changes what a resource holds (a resize): growing needs room (else `quota.exceeded`) unless `force`
   * (a failed resize going back to what it had).
   */
  change(tenant: string, site: Site, resourceId: string, demand: QuotaDemand, force?: boolean): Promise<void>;
  /** The tenant's limits, usage and reservations per site. */
  view(tenant: string): Promise<Record<Site, SiteQuota>>;
  /** Overrides some of the tenant's limits (the rest keep their current value). */
  setLimits(tenant: string, patch: QuotaLimitsPatch): Promise<Record<Site, SiteQuota>>;
  /** One tenant's counters on one site, as stored (none before its first admission there). */
  entry(tenant: string, site: Site): Promise<QuotaLedgerEntry | undefined>;
  /** Every tenant's counters, for the reconciler. */
  entries(): AsyncIterable<QuotaLedgerEntry>;
  /**
   * Replaces a site's holds and totals with ones rebuilt from inventory — only if nothing changed since
   * `entry` was read (its version). False when something did.
   */
  rebuild(entry: QuotaLedgerEntry, holds: QuotaHold[]): Promise<boolean>;
}
