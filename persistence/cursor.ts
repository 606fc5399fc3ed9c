import { createHash } from 'node:crypto';
import { BrokerError } from '../core/errors.ts';

/**
 * Opaque list cursors: the DynamoDB key to continue from, bound to the list it came from (`scope`: tenant
 * and filters), so a cursor can't be replayed against another tenant's list or another filter.
 */
export function encodeCursor(key: Record<string, unknown>, scope: string): string {
  return Buffer.from(JSON.stringify({ k: key, s: scopeTag(scope) })).toString('base64url');
}

export function decodeCursor(cursor: string, scope: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('k' in parsed) ||
    !('s' in parsed) ||
    parsed.s !== scopeTag(scope) ||
    typeof parsed.k !== 'object' ||
    parsed.k === null
  )
    throw invalid();
  const key = parsed.k as Record<string, unknown>;
  if (!Object.values(key).every((v) => typeof v === 'string')) throw invalid();
  return key;
}

function scopeTag(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 16);
}

function invalid(): BrokerError {
  return new BrokerError('request.invalid', 'query.cursor: not a cursor from this list', {
    fieldIssues: [
      { field: 'query.cursor', message: 'not a cursor from this list (it may belong to other filters)' },
    ],
  });
}
