import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { RESOURCE_KINDS } from '../../core/model/target.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { PlacementEngine } from '../../core/ports/placement-engine.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { placementSummary } from '../placement-summary.ts';
import {
  CatalogueNameSchema,
  ClassificationSchema,
  problemResponses,
  RegionSchema,
  TagsSchema,
} from '../schemas/common.ts';
import { PlacementDecisionSchema } from '../schemas/operation.ts';
import { json, jsonBody } from './json-content.ts';

const SimulatePlacementSchema = z
  .object({
    kind: z.enum(RESOURCE_KINDS).openapi({ example: 'vm' }),
    classification: ClassificationSchema,
    size: CatalogueNameSchema(63).optional().openapi({ example: 'small' }),
    image: CatalogueNameSchema(128).optional().openapi({ example: 'ubuntu-24.04' }),
    region: RegionSchema.optional().openapi({
      description: 'only targets in this region of the catalogue are permitted (a constraint)',
    }),
    tags: TagsSchema.optional(),
  })
  .strict()
  .openapi('SimulatePlacement');

const SimulationSchema = z.object({ decision: PlacementDecisionSchema }).openapi('PlacementSimulation');

/**
 * `POST /v1/placements/simulate`: the placement decision a workload would get now — chosen target and
 * every candidate with permitted/denied and the deciding policy ids — without creating anything. For
 * compliance staff trying a policy change, and for apps asking where a workload would run.
 */
export function placementRoutes(engine: PlacementEngine, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/placements/simulate',
      tags: ['Placements'],
      summary: 'Simulate a placement decision (creates nothing)',
      middleware: [action(authorizer, 'placement.simulate', 'placement')],
      request: {
        ...jsonBody(SimulatePlacementSchema),
      },
      responses: {
        200: json(SimulationSchema, 'the decision'),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { kind, classification, size, image, region, tags } = c.req.valid('json');
      const decision = await engine.decide({
        principal: c.var.principal,
        kind,
        classification,
        ...(size === undefined ? {} : { size }),
        ...(image === undefined ? {} : { image }),
        ...(region === undefined ? {} : { region }),
        ...(tags === undefined ? {} : { tags }),
      });
      c.set('audit', { resource: { type: 'placement' }, placement: placementSummary(decision) });
      return c.json({ decision }, 200);
    },
  );
  return app;
}
