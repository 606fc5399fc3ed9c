import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { toNetworkView } from '../../core/model/network.ts';
import { toOperationView } from '../../core/model/operation.ts';
import type { NetworkService } from '../../core/networks/network-service.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import { type ApiEnv, requestContext } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { placementSummary } from '../placement-summary.ts';
import { IdempotencyHeaderSchema, IdParamSchema, problemResponses } from '../schemas/common.ts';
import {
  CreateNetworkSchema,
  NetworkListQuerySchema,
  NetworkPageSchema,
  NetworkSchema,
  NetworkWithOperationSchema,
} from '../schemas/network.ts';
import { json, jsonBody } from './json-content.ts';

/** `/v1/networks`: a tenant network with one subnet on its target (Neutron or a VPC subnet). */
export function networkRoutes(networks: NetworkService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const NetworkId = IdParamSchema('net');
  const ctx = requestContext;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/networks',
      tags: ['Networks'],
      summary: 'Create a tenant network (placed by policy; admins)',
      middleware: [action(authorizer, 'network.create', 'network')],
      request: { headers: IdempotencyHeaderSchema, ...jsonBody(CreateNetworkSchema) },
      responses: {
        202: json(NetworkWithOperationSchema, 'accepted; poll the operation'),
        ...problemResponses(400, 401, 403, 422),
      },
    }),
    async (c) => {
      const { network, operation, decision } = await networks.create(ctx(c), c.req.valid('json'));
      c.set('audit', {
        resource: { type: 'network', id: network.id },
        placement: placementSummary(decision),
        operationId: operation.id,
      });
      c.header('location', `/v1/networks/${network.id}`);
      return c.json({ network: toNetworkView(network), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks',
      tags: ['Networks'],
      summary: "List the tenant's networks",
      middleware: [action(authorizer, 'network.list', 'network')],
      request: { query: NetworkListQuerySchema },
      responses: { 200: json(NetworkPageSchema, 'one page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor, ...rest } = c.req.valid('query');
      const filter = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      const result = await networks.list(c.var.principal, filter, { limit, ...(cursor ? { cursor } : {}) });
      return c.json(
        {
          items: result.items.map(toNetworkView),
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/networks/{id}',
      tags: ['Networks'],
      summary: 'Get a network',
      middleware: [action(authorizer, 'network.read', 'network')],
      request: { params: NetworkId },
      responses: { 200: json(NetworkSchema, 'the network'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(toNetworkView(await networks.get(c.var.principal, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/networks/{id}',
      tags: ['Networks'],
      summary: 'Delete a network and every piece of it on its cloud (refused while VMs use it; admins)',
      middleware: [action(authorizer, 'network.delete', 'network')],
      request: { params: NetworkId, headers: IdempotencyHeaderSchema },
      responses: {
        202: json(NetworkWithOperationSchema, 'accepted'),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { resource, operation } = await networks.delete(ctx(c), c.req.valid('param').id);
      c.set('audit', { resource: { type: 'network', id: resource.id }, operationId: operation.id });
      return c.json({ network: toNetworkView(resource), operation: toOperationView(operation) }, 202);
    },
  );
  return app;
}
