import { createHash } from 'node:crypto';
import type { Context, Next } from 'hono';
import { createMiddleware } from 'hono/factory';
import { BrokerError } from '../../core/errors.ts';
import type { IdempotencyGuard, StoredResponse } from '../../core/ports/idempotency.ts';
import type { ApiEnv, AuditNote } from '../context.ts';

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
 * Makes `Idempotency-Key` handling available to the route's `action` middleware, which runs it only once
 * the request is authorized: a replay is an answer like any other, so whoever may not make the request
 * may not read its stored response either. `exempt`: paths whose answers must never be stored (they may
 * carry PHI, e.g. a presigned link names the object key); they create nothing, so a retry runs again.
 */
export function idempotency(guard: IdempotencyGuard, exempt: readonly RegExp[] = []) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key !== undefined && !exempt.some((pattern) => pattern.test(c.req.path)))
      c.set('idempotent', (rest: Next) => runOnce(c, guard, key, rest));
    await next();
  });
}

/**
 * Runs the rest of the request at most once per (tenant, subject, key): another subject of the tenant
 * using the same key makes a request of its own. A replay keeps what the first request's audit record
 * said, pointing back to it, so the audit middleware records it as a replay.
 */
async function runOnce(c: Context<ApiEnv>, guard: IdempotencyGuard, key: string, next: Next) {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key))
    throw new BrokerError('request.invalid', 'Idempotency-Key must be 1–255 visible ASCII characters', {
      fieldIssues: [{ field: 'header.idempotency-key', message: '1–255 visible ASCII characters' }],
    });
  const { tenant, sub } = c.var.principal;
  const body = await c.req.raw.clone().arrayBuffer();
  const fingerprint = createHash('sha256')
    .update(`${c.req.method} ${c.req.path}\n`)
    .update(new Uint8Array(body))
    .digest('hex');
  // The domain binds the key to what it creates; it sees a hash, never the raw key.
  const scope = createHash('sha256')
    .update(JSON.stringify([sub, key]))
    .digest('hex');
  c.set('idempotency', { scope, fingerprint });
  try {
    const { response, replayed } = await guard.run(
      JSON.stringify([tenant, sub, key]),
      fingerprint,
      async () => {
        await next();
        if (c.res.status >= 500) throw new NotStored(c.res);
        const headers: Record<string, string> = {};
        for (const name of REPLAYED_HEADERS) {
          const value = c.res.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        return {
          status: c.res.status,
          headers,
          body: await c.res.clone().text(),
          requestId: c.var.requestId,
          audit: { ...c.var.audit },
          ...(c.res.status >= 400 && c.var.problemCode ? { problemCode: c.var.problemCode } : {}),
        } satisfies StoredResponse;
      },
    );
    if (replayed) replay(c, response);
  } catch (error) {
    if (error instanceof NotStored) {
      c.res = error.response;
      return;
    }
    throw error;
  }
}

function replay(c: Context<ApiEnv>, response: StoredResponse): void {
  c.set('audit', {
    ...((response.audit ?? {}) as AuditNote),
    ...(response.requestId === undefined ? {} : { replayOf: response.requestId }),
  });
  if (response.problemCode !== undefined) c.set('problemCode', response.problemCode);
  c.res = new Response(response.body, {
    status: response.status,
    headers: { ...response.headers, 'idempotent-replayed': 'true' },
  });
}
