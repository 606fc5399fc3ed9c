import { createHash } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { BrokerError } from '../../core/errors.ts';
import type { ApiEnv } from '../context.ts';

/** A response as stored for replay. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Runs `execute` at most once per key (I4): the first call's response is stored; the same key with the
 * same fingerprint replays it; a different fingerprint is refused (`idempotency.keyReused`); a concurrent
 * duplicate waits for the first. A thrown `execute` stores nothing, so the client may retry.
 */
export interface IdempotencyGuard {
  run(
    key: string,
    fingerprint: string,
    execute: () => Promise<StoredResponse>,
  ): Promise<{ response: StoredResponse; replayed: boolean }>;
}

/** 1–255 visible ASCII characters; the OpenAPI document publishes the same pattern. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ['content-type', 'location'];

/** Thrown inside the guard so that server errors are not stored as the key's answer. */
class NotStored extends Error {
  readonly response: Response;
  constructor(response: Response) {
    super('server error: not stored');
    this.response = response;
  }
}

/**
 * `exempt`: paths whose answers must never be stored (they may carry PHI, e.g. a presigned link names the
 * object key); they create nothing, so a retry simply runs again.
 */
export function idempotency(guard: IdempotencyGuard, exempt: readonly RegExp[] = []) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined || exempt.some((pattern) => pattern.test(c.req.path))) return next();
    if (!IDEMPOTENCY_KEY_PATTERN.test(key))
      throw new BrokerError('request.invalid', 'Idempotency-Key must be 1–255 visible ASCII characters', {
        fieldIssues: [{ field: 'header.idempotency-key', message: '1–255 visible ASCII characters' }],
      });
    const body = await c.req.raw.clone().arrayBuffer();
    const fingerprint = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(new Uint8Array(body))
      .digest('hex');
    try {
      const { response, replayed } = await guard.run(
        `${c.var.principal.tenant}:${key}`,
        fingerprint,
        async () => {
          await next();
          if (c.res.status >= 500) throw new NotStored(c.res);
          const headers: Record<string, string> = {};
          for (const name of REPLAYED_HEADERS) {
            const value = c.res.headers.get(name);
            if (value !== null) headers[name] = value;
          }
          return { status: c.res.status, headers, body: await c.res.clone().text() };
        },
      );
      if (replayed) {
        c.res = new Response(response.body, {
          status: response.status,
          headers: { ...response.headers, 'idempotent-replayed': 'true' },
        });
      }
    } catch (error) {
      if (error instanceof NotStored) {
        c.res = error.response;
        return;
      }
      throw error;
    }
  });
}
