import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { listVolumeTypes } from '../../core/catalogue/volume-types.ts';
import { CLOUDS, SITES } from '../../core/model/target.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { TargetDirectory } from '../../core/targets/target-directory.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { problemResponses } from '../schemas/common.ts';

const VolumeTypeOnTargetSchema = z.object({
  targetId: z.string(),
  cloud: z.enum(CLOUDS),
  site: z.enum(SITES),
  region: z.string(),
  volumeType: z.string().nullable().openapi({
    description:
      "the target's own volume type (a Cinder volume type, an EBS VolumeType); null: the cloud's default type",
  }),
});

export const VolumeTypeSchema = z
  .object({
    name: z.string().openapi({ example: 'ssd', description: 'the logical type volumes are created with' }),
    description: z.string(),
    targets: z
      .array(VolumeTypeOnTargetSchema)
      .openapi({ description: 'every target hosting volumes that offers this type' }),
  })
  .openapi('VolumeType');

/**
 * `GET /v1/volume-types`: the catalogue's logical volume types and, per target, the cloud's volume type
 * behind each — what `POST /v1/volumes` takes as `type` and `POST /v1/volumes/{id}/retype` changes.
 */
export function volumeTypeRoutes(targets: TargetDirectory, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/volume-types',
      tags: ['Targets'],
      summary: 'Logical volume types and what each target maps them to',
      middleware: [action(authorizer, 'target.list', 'target')],
      responses: {
        200: {
          description: 'every logical volume type, by name',
          content: { 'application/json': { schema: z.object({ items: z.array(VolumeTypeSchema) }) } },
        },
        ...problemResponses(401, 403),
      },
    }),
    (c) => c.json({ items: listVolumeTypes(targets.catalogue) }, 200),
  );
  return app;
}
