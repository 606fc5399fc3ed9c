import type { MeteredKind, UsageRecord } from '../usage/usage-record.ts';

/** Where usage records live (docs/usage.md). Records are written once and never changed. */
export interface UsageRepository {
  /**
   * Writes the record unless one with its id exists (a retried step writes the same id): true when this
   * call wrote it, false when it was there already — the first write, and its time, stand.
   */
  append(record: UsageRecord): Promise<boolean>;
  /** Every record of `tenant` (or of every tenant, when undefined) stamped before `before`. */
  listBefore(tenant: string | undefined, before: string): Promise<UsageRecord[]>;
  /** Every tenant's records of one kind stamped before `before` (the reconciler's bucket sampling). */
  listKindBefore(kind: MeteredKind, before: string): Promise<UsageRecord[]>;
}
