import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import type { TokenVerifier } from '../../auth/token-verifier.ts';
import type { ApiEnv } from '../context.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

/** Gives every request an id (the caller's `X-Request-Id` when well-formed) and echoes it back. */
export const requestId = createMiddleware<ApiEnv>(async (c, next) => {
  const given = c.req.header('x-request-id');
  const id = given && REQUEST_ID.test(given) ? given : `req-${randomUUID()}`;
  c.set('requestId', id);
  c.set('audit', {});
  await next();
  c.res.headers.set('x-request-id', id);
});

/** Verifies the bearer token; every `/v1` route needs one. */
export function authenticate(verifier: TokenVerifier) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const caller = await verifier.verify(c.req.header('authorization'));
    c.set('caller', caller);
    c.set('principal', caller);
    await next();
  });
}
