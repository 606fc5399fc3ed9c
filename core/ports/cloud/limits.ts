import type { QuotaResource } from '../quotas.ts';

/** One limit the cloud enforces on the broker's project or account: `null` is unlimited. */
export interface CloudLimit {
  limit: number | null;
  /** What the whole project / account uses now, where the cloud says (all tenants of the broker). */
  used?: number;
}

/** The real limits of the cloud behind a target, in the broker's quota terms (docs/quotas.md). */
export interface CloudLimits {
  /** Where they were read: `nova+cinder`, `ec2`, `sandbox`. */
  source: string;
  resources: Partial<Record<QuotaResource, CloudLimit>>;
}

/** Implemented by providers that can read their cloud's limits. */
export interface CloudLimitsReader {
  limits(): Promise<CloudLimits>;
}
