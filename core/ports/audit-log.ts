import type { AuditEntry, AuditFilter, AuditRecord } from '../model/audit.ts';
import type { Page, PageRequest } from './repositories.ts';

export interface AuditVerification {
  chain: string;
  records: number;
  ok: boolean;
  /** The first sequence number whose hash does not match, when not ok. */
  brokenAt?: number;
}

/** Append-only, hash-chained audit log. There is deliberately no update or delete. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Newest first. */
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  verify(): Promise<AuditVerification>;
}
