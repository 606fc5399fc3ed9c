import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { ApiEnv } from '../context.ts';

/**
 * The default policy of HTML pages (the portal placeholder, the sandbox console): own resources and inline
 * styles only, never framed — a page of the broker inside someone else's frame is a clickjacking surface.
 */
export const PAGE_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** JSON and other non-HTML answers load nothing and are never framed. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers every answer carries: no MIME sniffing, no caching (answers hold tenant data and are per
 * token) unless a route chose its own caching (static docs assets), a Content-Security-Policy with
 * `frame-ancestors`, and no referrer. Runs outermost, so error and not-found answers carry them too.
 */
export const securityHeaders = createMiddleware<ApiEnv>(async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'no-referrer');
  if (!headers.has('cache-control')) headers.set('cache-control', 'no-store');
  const html = (headers.get('content-type') ?? '').startsWith('text/html');
  if (!headers.has('content-security-policy'))
    headers.set('content-security-policy', html ? PAGE_CSP : DATA_CSP);
  if (html) headers.set('x-frame-options', 'DENY');
});

/**
 * CORS for the browser clients named in configuration (`HCB_CORS_ORIGINS`: the portal, mobile web views),
 * exact origins only. Preflights (OPTIONS) are answered here, before authentication: a browser never sends
 * a token with them. Tokens travel in `Authorization`, never in cookies, so credentials are not allowed.
 */
export function corsPolicy(origins: readonly string[]) {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'last-event-id'],
    exposeHeaders: ['location', 'x-request-id', 'idempotent-replayed', 'retry-after', 'www-authenticate'],
    maxAge: 600,
  });
}
