import type { AuditEntry, AuditFilter, AuditRecord } from '../model/audit.ts';
import type { Page, PageRequest } from './repositories.ts';

export interface AuditVerification {
  chain: string;
  records: number;
  ok: boolean;
  /** The first sequence number whose hash does not match, or the first one missing, when not ok. */
  brokenAt?: number;
  /** The newest head the anchor outside the table holds. */
  anchoredSeq?: number;
  /** Why the chain is broken, when not ok (no record content). */
  reason?: string;
}

/** Append-only, hash-chained audit log. There is deliberately no update or delete. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first. */
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  verify(): Promise<AuditVerification>;
}

/** A chain's head: the sequence number and hash of its newest record. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Where each chain's head is recorded outside the table, append-only. The chain alone cannot show that
 * its newest records were deleted — what remains still links up — so verification compares the table
 * with the newest head anchored here.
 */
export interface AuditAnchor {
  /** Records that the chain has reached `head` (called after the record is stored). */
  record(chain: string, head: ChainHead): Promise<void>;
  /** The highest head recorded for the chain; undefined when none was. */
  latest(chain: string): Promise<ChainHead | undefined>;
}
