import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { TokenVerifier } from '../../auth/token-verifier.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { authenticate } from '../middleware/request-context.ts';
import { problemResponses } from '../schemas/common.ts';

export interface MetricsEndpoint {
  /** The exposition in Prometheus text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
  /**
   * When it answers true for a request without a token, the request is served unauthenticated: the
   * embedded default's `HCB_METRICS_ACCESS=loopback` (a scraper on the same host). Absent: operators only.
   */
  trustedWithoutToken?: (c: Context) => boolean;
}

/**
 * `GET /metrics`: the broker's metrics in Prometheus text format (docs/metrics.md), for platform
 * operators — or, when so configured, for anything on the loopback interface. Labels hold route
 * templates, catalogue ids and codes only, so the exposition carries no tenant data.
 */
export function metricsRoutes(
  endpoint: MetricsEndpoint,
  verifier: TokenVerifier,
  authorizer: Authorizer,
): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const authenticated = authenticate(verifier);
  const authorized = action(authorizer, 'metrics.read', 'target');
  const access: MiddlewareHandler<ApiEnv> = async (c, next) => {
    if (c.req.header('authorization') === undefined && endpoint.trustedWithoutToken?.(c)) {
      await next();
      return;
    }
    await authenticated(c, async () => {
      await authorized(c, next);
    });
  };
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['Operations'],
      summary: 'Metrics in Prometheus text format (platform operators)',
      middleware: [access],
      responses: {
        200: {
          description: 'the exposition (text format 0.0.4)',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...problemResponses(401, 403),
      },
    }),
    async (c) => {
      const { contentType, body } = await endpoint.scrape();
      return c.text(body, 200, { 'content-type': contentType });
    },
  );
  return app;
}
