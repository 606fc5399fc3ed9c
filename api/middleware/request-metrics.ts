import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { BrokerMetrics } from '../../core/ports/metrics.ts';
import type { ApiEnv } from '../context.ts';

/**
 * Counts and times every request by its route template (`/v1/vms/{id}`), never by the raw path: a path
 * carries ids and, for unknown routes, whatever the caller typed. Requests no route matched count as
 * `unmatched`; methods outside HTTP's usual set as `OTHER`.
 */
export function requestMetrics(metrics: BrokerMetrics) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.requestCompleted(
        routeTemplate(c),
        methodLabel(c.req.method),
        c.res.status,
        performance.now() - started,
      );
    }
  });
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

/** The template of the route that answered: the last matched route that is not a wildcard middleware. */
export function routeTemplate(c: Context): string {
  const route = matchedRoutes(c)
    .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
    .at(-1);
  return route ? route.path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}') : 'unmatched';
}
