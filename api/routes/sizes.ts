import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { SIZE_BLOCKERS, type SizeDirectory } from '../../core/catalogue/size-directory.ts';
import { CLOUDS, SITES } from '../../core/model/target.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { problemResponses } from '../schemas/common.ts';

const SizeOnTargetSchema = z.object({
  targetId: z.string(),
  cloud: z.enum(CLOUDS),
  site: z.enum(SITES),
  region: z.string(),
  flavor: z.string().openapi({ description: "the target's flavor or instance type for this size" }),
  placeableNow: z.boolean().openapi({
    description:
      'the target is not down, its circuit is not open, and the cloud reports room for one more (instances, vCPUs, RAM); policy and quotas still decide each placement',
  }),
  blockers: z.array(z.enum(SIZE_BLOCKERS)).openapi({ description: 'why not, when not placeable now' }),
  capacityKnown: z
    .boolean()
    .openapi({ description: "false when the cloud's limits could not be read (not held against it)" }),
});

export const SizeSchema = z
  .object({
    name: z.string().openapi({ example: 'small', description: 'the logical size VMs are created with' }),
    vcpus: z.number().int(),
    ramMiB: z.number().int(),
    diskGiB: z.number().int(),
    targets: z.array(SizeOnTargetSchema).openapi({ description: 'every target that maps this size' }),
  })
  .openapi('Size');

/**
 * `GET /v1/sizes`: the catalogue's logical sizes with vCPUs, RAM and disk, and per target the flavor behind
 * each and whether it can be placed there now. Read with the same permission as the targets.
 */
export function sizeRoutes(sizes: SizeDirectory, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/sizes',
      tags: ['Targets'],
      summary: 'Logical sizes, what they are, and where each can be placed now',
      middleware: [action(authorizer, 'target.list', 'target')],
      responses: {
        200: {
          description: 'every logical size, smallest first',
          content: { 'application/json': { schema: z.object({ items: z.array(SizeSchema) }) } },
        },
        ...problemResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await sizes.list() }, 200),
  );
  return app;
}
