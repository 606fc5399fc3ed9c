import type { Site } from '../model/target.ts';

/** What a tenant's quotas count, per site (docs/quotas.md). */
export const QUOTA_RESOURCES = [
  'instances',
  'vcpus',
  'ramMiB',
  'volumes',
  'volumeGiB',
  'snapshots',
  'buckets',
] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** What one create asks for, e.g. a VM: `{ instances: 1, vcpus: 2, ramMiB: 4096 }`. */
export type QuotaDemand = Partial<Record<QuotaResource, number>>;

/** Read-only view placement uses to rank targets: which sites have room for a demand now. */
export interface QuotaHeadroom {
  /** The sites where `tenant` could be admitted `demand` now (no reservation is made). */
  sitesWithRoom(tenant: string, demand: QuotaDemand): Promise<ReadonlySet<Site>>;
}
