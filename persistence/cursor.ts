import { createHmac, timingSafeEqual } from 'node:crypto';
import { BrokerError } from '../core/errors.ts';

/** Shortest server secret accepted: 32 bytes, as many as the HMAC-SHA256 output. */
export const CURSOR_SECRET_MIN_BYTES = 32;

/**
 * Opaque, tamper-evident list cursors: the DynamoDB key to continue from, signed with a server secret
 * (HMAC-SHA256) together with the list it belongs to (`scope`: tenant, list and filters). A cursor that
 * was edited, forged, re-signed without the secret, or replayed against another tenant, list or filter
 * fails verification and is a `cursor.invalid` (400) — it never reaches the store, so a client can no
 * longer point a query at another partition.
 *
 * Format: `<base64url(JSON key)>.<base64url(HMAC(scope ␀ payload))>`.
 */
export class CursorCodec {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < CURSOR_SECRET_MIN_BYTES)
      throw new Error(`the cursor secret must be at least ${CURSOR_SECRET_MIN_BYTES} bytes`);
    this.#secret = Buffer.from(secret);
  }

  encode(key: Record<string, string>, scope: string): string {
    const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
    return `${payload}.${this.#mac(scope, payload).toString('base64url')}`;
  }

  decode(cursor: string, scope: string): Record<string, string> {
    const [payload, mac, extra] = cursor.split('.');
    if (payload === undefined || mac === undefined || extra !== undefined) throw cursorInvalid();
    const given = Buffer.from(mac, 'base64url');
    const expected = this.#mac(scope, payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw cursorInvalid();
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw cursorInvalid();
    }
    // Signed by us, so well-formed; checked anyway, as a store key must be exactly this shape.
    if (typeof key !== 'object' || key === null || Array.isArray(key)) throw cursorInvalid();
    if (!Object.values(key).every((v) => typeof v === 'string')) throw cursorInvalid();
    return key as Record<string, string>;
  }

  #mac(scope: string, payload: string): Buffer {
    return createHmac('sha256', this.#secret).update(scope).update('\0').update(payload).digest();
  }
}

/**
 * A scope string for a list: its parts in order, the filter with its keys sorted (so equal filters give
 * equal scopes however they were built) and undefined values dropped.
 */
export function listScope(list: string, tenant: string, filter: object): string {
  const entries = Object.entries(filter)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([list, tenant, entries]);
}

export function cursorInvalid(): BrokerError {
  return new BrokerError('cursor.invalid', 'query.cursor: not a cursor this list issued', {
    fieldIssues: [
      {
        field: 'query.cursor',
        message: "not a cursor this list issued (pass the previous page's nextCursor, with the same filters)",
      },
    ],
  });
}
