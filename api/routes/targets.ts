import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CLOUDS, SITES } from '../../core/model/target.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import { CIRCUIT_STATES, HEALTH_CHECK_STATUSES } from '../../core/ports/target-health.ts';
import type { TargetDirectory, TargetStatus } from '../../core/targets/target-directory.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { problemResponses } from '../schemas/common.ts';

export const TargetSchema = z
  .object({
    id: z.string(),
    cloud: z.enum(CLOUDS),
    region: z.string(),
    site: z.enum(SITES),
    description: z.string(),
    simulation: z
      .boolean()
      .openapi({ description: 'true for the in-process sandbox cloud: not a real cloud' }),
    kinds: z.array(z.string()),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    sizes: z.array(z.string()),
    images: z.array(z.string()),
    health: z.object({
      status: z.enum(HEALTH_CHECK_STATUSES),
      checkedAt: z.string(),
      detail: z.string().optional(),
    }),
    circuit: z.enum(CIRCUIT_STATES),
  })
  .openapi('Target');

/** `/v1/targets`: where workloads can run, and how each target is doing. */
export function targetRoutes(directory: TargetDirectory, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/targets',
      tags: ['Targets'],
      summary: 'Targets with site, region and health',
      middleware: [action(authorizer, 'target.list', 'target')],
      responses: {
        200: {
          description: 'all targets',
          content: { 'application/json': { schema: z.object({ items: z.array(TargetSchema) }) } },
        },
        ...problemResponses(401, 403),
      },
    }),
    async (c) => {
      const statuses = await directory.list();
      return c.json({ items: statuses.map(targetItem) }, 200);
    },
  );
  return app;
}

/** A target as the API shows it. */
export function targetItem({
  target,
  simulation,
  health,
  circuit,
}: TargetStatus): z.infer<typeof TargetSchema> {
  return {
    id: target.id,
    cloud: target.cloud,
    region: target.region,
    site: target.site,
    description: simulation ? `SIMULATION — ${target.description}` : target.description,
    simulation,
    kinds: target.kinds,
    attributes: target.attributes,
    sizes: Object.keys(target.sizes),
    images: Object.keys(target.images),
    health,
    circuit,
  };
}
