import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { BrokerError } from '../../core/errors.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { QuotaLedger } from '../../core/ports/quota-ledger.ts';
import { QUOTA_RESOURCES, type QuotaResource } from '../../core/ports/quotas.ts';
import type { TargetCapacity } from '../../core/targets/target-capacity.ts';
import type { TargetDirectory } from '../../core/targets/target-directory.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { labelText, problemResponses } from '../schemas/common.ts';
import { siteView } from './quotas.ts';
import { TargetSchema, targetItem } from './targets.ts';

const CloudLimitSchema = z.object({
  limit: z.number().int().nullable().openapi({ description: 'null: unlimited' }),
  used: z.number().int().optional().openapi({ description: "the whole project's or account's use" }),
});
const CapacitySchema = z
  .object({
    source: z.string().openapi({ description: '`nova+cinder`, `ec2`, `sandbox`, or `unavailable`' }),
    error: z.string().optional().openapi({ description: 'why the limits could not be read (an error code)' }),
    resources: z.object(
      Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, CloudLimitSchema.optional()])) as Record<
        QuotaResource,
        z.ZodOptional<typeof CloudLimitSchema>
      >,
    ),
  })
  .openapi('TargetCapacity');
const QuotaTripleSchema = z.object({
  limit: z.number().int(),
  used: z.number().int(),
  reserved: z.number().int(),
});
const TargetDetailSchema = TargetSchema.extend({
  capacity: CapacitySchema.openapi({
    description: "the cloud's own limits on the broker's project or account",
  }),
  quotas: z
    .object(
      Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, QuotaTripleSchema])) as Record<
        QuotaResource,
        typeof QuotaTripleSchema
      >,
    )
    .optional()
    .openapi({ description: "the tenant's quotas on the target's site (docs/quotas.md)" }),
}).openapi('TargetDetail');

/** `GET /v1/targets/{id}`: one target, its cloud's real limits, and the tenant's quotas on its site. */
export function targetDetailRoutes(
  directory: TargetDirectory,
  capacity: TargetCapacity,
  quotas: QuotaLedger | undefined,
  authorizer: Authorizer,
): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/targets/{id}',
      tags: ['Targets'],
      summary: "One target with its cloud's limits (capacity) beside the tenant's quotas",
      middleware: [action(authorizer, 'target.list', 'target')],
      request: { params: z.object({ id: labelText(64) }) },
      responses: {
        200: { description: 'the target', content: { 'application/json': { schema: TargetDetailSchema } } },
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const status = (await directory.list()).find((s) => s.target.id === id);
      if (!status) throw new BrokerError('target.notFound', `no target ${id}`);
      const [limits, view] = await Promise.all([capacity.of(id), quotas?.view(c.var.principal.tenant)]);
      return c.json(
        {
          ...targetItem(status),
          capacity: limits,
          ...(view ? { quotas: siteView(view[status.target.site]) } : {}),
        },
        200,
      );
    },
  );
  return app;
}
