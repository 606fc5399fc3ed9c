import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { BrokerError } from '../../core/errors.ts';
import { OPERATION_STATUSES, toOperationView } from '../../core/model/operation.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { OperationFeed, OperationFilter, OperationRepository } from '../../core/ports/repositories.ts';
import type { ApiEnv } from '../context.ts';
import { action, TENANT_PATTERN } from '../middleware/authorize.ts';
import { IdParamSchema, PageQuerySchema, page, problemResponses } from '../schemas/common.ts';
import { OperationSchema } from '../schemas/operation.ts';
import { json } from './json-content.ts';

const isoTime = z.iso.datetime({ offset: true });

const OperationFeedQuery = PageQuerySchema.extend({
  tenant: z
    .string()
    .regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes')
    .optional()
    .openapi({
      description: "whose operations: the caller's tenant by default; another needs the operator role",
    }),
  status: z.enum(OPERATION_STATUSES).optional(),
  kind: z
    .string()
    .regex(/^[a-z]{1,16}\.[A-Za-z]{1,32}$/, 'an operation kind such as vm.create')
    .optional()
    .openapi({ example: 'vm.create' }),
  resourceId: z
    .string()
    .regex(/^(vm|vol|snap|bkt|lnk|img)-[0-9a-z]{26}$/, 'a resource id (vm-…, vol-…, bkt-…)')
    .optional(),
  since: isoTime.optional().openapi({ description: 'created at or after (ISO 8601)' }),
  until: isoTime.optional().openapi({ description: 'created at or before (ISO 8601)' }),
});

/** `/v1/operations`: the tenant's asynchronous work, one by one or as a filtered feed. */
export function operationRoutes(
  operations: OperationRepository & OperationFeed,
  authorizer: Authorizer,
): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/operations',
      tags: ['Operations'],
      summary: "The tenant's operations, newest first",
      middleware: [action(authorizer, 'operation.list', 'operation')],
      request: { query: OperationFeedQuery },
      responses: {
        200: {
          description: 'one page',
          content: { 'application/json': { schema: page(OperationSchema, 'OperationPage') } },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { limit, cursor, status, kind, resourceId, since, until } = c.req.valid('query');
      // Stored times are UTC with milliseconds: compare like with like.
      const filter: OperationFilter = {
        ...(status ? { status } : {}),
        ...(kind ? { kind } : {}),
        ...(resourceId ? { resourceId } : {}),
        ...(since ? { since: new Date(since).toISOString() } : {}),
        ...(until ? { until: new Date(until).toISOString() } : {}),
      };
      const result = await operations.list(c.var.principal.tenant, filter, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
      return c.json({ ...result, items: result.items.map(toOperationView) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/operations/{id}',
      tags: ['Operations'],
      summary: 'Get an operation (status, steps, error)',
      middleware: [action(authorizer, 'operation.read', 'operation')],
      request: { params: IdParamSchema('op') },
      responses: {
        200: json(OperationSchema, 'the operation'),
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const op = await operations.get(c.var.principal.tenant, id);
      if (!op) throw new BrokerError('operation.notFound', `no operation with id ${id}`);
      return c.json(toOperationView(op), 200);
    },
  );
  return app;
}
