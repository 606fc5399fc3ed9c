import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { BrokerError } from '../../core/errors.ts';
import { toOperationView } from '../../core/model/operation.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { OperationRepository } from '../../core/ports/repositories.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { IdParamSchema, problemResponses } from '../schemas/common.ts';
import { OperationSchema } from '../schemas/operation.ts';
import { json } from './json-content.ts';

/** `/v1/operations/{id}`: progress of asynchronous work. */
export function operationRoutes(
  operations: OperationRepository,
  authorizer: Authorizer,
): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
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
