import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiEnv } from '../../api/context.ts';
import { action } from '../../api/middleware/authorize.ts';
import { problemResponses } from '../../api/schemas/common.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { Reconciler } from '../../core/reconcile/reconciler.ts';

const ReconcileRequest = z
  .object({
    orphanGraceMs: z.number().int().min(0).max(86_400_000).optional().openapi({
      description: 'servers and volumes younger than this are left alone (default 10 minutes)',
    }),
  })
  .strict()
  .openapi('ReconcileRequest');

const ReconcileReport = z
  .object({
    resumed: z.number().int(),
    releasedClaims: z.number().int(),
    drifted: z.number().int().openapi({ description: 'records brought in line with their cloud' }),
    orphansFound: z.number().int(),
    orphansDeleted: z.number().int(),
    otherDeployments: z.number().int().optional().openapi({
      description: 'servers and volumes tagged for another deployment sharing the cloud project: left alone',
    }),
    leakedAddresses: z.number().int().optional(),
    errors: z.number().int(),
    quotas: z
      .object({
        released: z.number().int(),
        confirmed: z.number().int(),
        adopted: z.number().int(),
        rebuilt: z.number().int(),
        drift: z.array(
          z.object({
            tenant: z.string(),
            site: z.string(),
            resource: z.string(),
            counted: z.number().int(),
            actual: z.number().int(),
          }),
        ),
      })
      .optional()
      .openapi({
        description: 'quota holds released, confirmed and adopted; counters rebuilt, with their drift',
      }),
    backups: z
      .object({ due: z.number().int(), started: z.number().int() })
      .optional()
      .openapi({ description: 'backup policies whose slot was due, and the backup.run operations started' }),
  })
  .openapi('ReconcileReport');

/**
 * `POST /v1/admin/reconcile` (embedded default, platform admins): runs one reconcile pass now, instead of
 * waiting for the next scheduled one — after a crash, an operator (or the crash-injection tests) can
 * settle the state deterministically. On AWS the reconciler runs on its schedule.
 */
export function reconcileRoute(reconciler: () => Reconciler, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/reconcile',
      tags: ['Operations'],
      summary: 'Run one reconcile pass now',
      middleware: [action(authorizer, 'reconcile.run', 'target')],
      request: { body: { content: { 'application/json': { schema: ReconcileRequest } }, required: true } },
      responses: {
        200: {
          description: 'what the pass did',
          content: { 'application/json': { schema: ReconcileReport } },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { orphanGraceMs } = c.req.valid('json');
      c.set('audit', { resource: { type: 'target', id: 'reconcile' } });
      const report = await reconciler().run(orphanGraceMs === undefined ? {} : { orphanGraceMs });
      return c.json(report, 200);
    },
  );
  return app;
}
