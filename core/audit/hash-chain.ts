import { createHash, createHmac } from 'node:crypto';
import type { AuditEntry, AuditRecord } from '../model/audit.ts';

/** The hash the first record of a chain points back to. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted at every depth, so the same record always hashes the same whatever
 * order its fields were built or stored in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

type Unsealed = Omit<AuditRecord, 'hash'>;

export function hashRecord(record: Unsealed): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

export function sealRecord(
  entry: AuditEntry,
  chain: string,
  seq: number,
  at: string,
  prevHash: string,
): AuditRecord {
  const unsealed: Unsealed = { ...entry, chain, seq, at, prevHash };
  return { ...unsealed, hash: hashRecord(unsealed) };
}

/** Checks a run of consecutive records (oldest first); returns the first bad seq, if any. */
export function findBrokenLink(
  records: readonly AuditRecord[],
  expectedPrevHash: string,
): number | undefined {
  let prev = expectedPrevHash;
  for (const record of records) {
    const { hash, ...unsealed } = record;
    if (record.prevHash !== prev || hashRecord(unsealed) !== hash) return record.seq;
    prev = hash;
  }
  return undefined;
}

/** SHA-256 of a free-form value, for audit and logs that must not keep the value itself (I2). */
export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * HMAC-SHA-256 under a server secret, for values that may be guessable (object keys built from record
 * numbers): a plain hash of such a value can be confirmed by hashing guesses; this one cannot without
 * the secret. The same value still gives the same digest, so audit records can be correlated.
 */
export function hmacSha256Hex(secret: Uint8Array | string, value: string): string {
  return createHmac('sha256', secret).update(value).digest('hex');
}
