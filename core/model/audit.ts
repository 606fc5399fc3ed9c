/**
 * One record per mutating request (I3). Records form a hash chain per region: each carries the hash of
 * its predecessor, so editing or removing any record breaks every later hash. Nothing here is PHI: ids,
 * codes and decisions only; anything free-form is reduced to a hash before it gets here.
 */
export type AuditOutcome = 'accepted' | 'succeeded' | 'denied' | 'rejected' | 'failed';

export interface AuditPlacementSummary {
  chosen?: string;
  engine: string;
  bundleHash: string;
  candidates: { targetId: string; permitted: boolean; policies: string[] }[];
}

export interface AuditEntry {
  requestId: string;
  actor: { sub: string; tenant: string; roles: string[] };
  /** The API action, e.g. `vm.create`, `vm.action.stop`, `quota.put`. */
  action: string;
  resource: { type: string; id?: string; tenant: string };
  outcome: AuditOutcome;
  httpStatus: number;
  errorCode?: string;
  /** Policies that authorized or denied the request itself. */
  policies: string[];
  placement?: AuditPlacementSummary;
  operationId?: string;
  /** Action-specific facts, hashes only where the value could be PHI (e.g. an object key's SHA-256). */
  detail?: Record<string, string>;
  /** An idempotent replay: the id of the request whose stored response it replayed. */
  replayOf?: string;
}

export interface AuditRecord extends AuditEntry {
  /** The chain this record belongs to (one per broker region). */
  chain: string;
  /** Position in the chain, from 1. */
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

export interface AuditFilter {
  tenant?: string;
  action?: string;
  /** ISO timestamps, inclusive. */
  from?: string;
  to?: string;
}
