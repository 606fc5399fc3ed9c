import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { LinkService } from '../../core/links/link-service.ts';
import { toLinkView } from '../../core/model/link.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { IdempotencyHeaderSchema, IdParamSchema, problemResponses } from '../schemas/common.ts';
import { CreateLinkSchema, LinkListQuerySchema, LinkPageSchema, LinkSchema } from '../schemas/link.ts';
import { json, jsonBody } from './json-content.ts';

/** `/v1/links`: cross-network flows, permitted by policy and programmed as security-group rules. */
export function linkRoutes(links: LinkService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const LinkId = IdParamSchema('lnk');
  const ctx = (c: { var: ApiEnv['Variables'] }) => ({
    principal: c.var.principal,
    requestId: c.var.requestId,
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/links',
      tags: ['Links'],
      summary: 'Open a flow between two VMs or from a VM to a network, where policy allows',
      middleware: [action(authorizer, 'link.create', 'link')],
      request: {
        headers: IdempotencyHeaderSchema,
        ...jsonBody(CreateLinkSchema),
      },
      responses: {
        201: json(LinkSchema, 'programmed on both ends'),
        ...problemResponses(400, 401, 403, 404, 409, 502, 503),
      },
    }),
    async (c) => {
      const { link, operation, verdict } = await links.create(ctx(c), c.req.valid('json'));
      c.set('audit', {
        resource: { type: 'link', id: link.id },
        operationId: operation.id,
        detail: { flowPolicies: verdict.policies.join(',') },
      });
      c.header('location', `/v1/links/${link.id}`);
      return c.json(toLinkView(link), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/links',
      tags: ['Links'],
      summary: "List the tenant's links",
      middleware: [action(authorizer, 'link.list', 'link')],
      request: { query: LinkListQuerySchema },
      responses: { 200: json(LinkPageSchema, 'one page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor, vmId } = c.req.valid('query');
      const result = await links.list(c.var.principal, vmId ? { vmId } : {}, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
      return c.json(
        {
          items: result.items.map(toLinkView),
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/links/{id}',
      tags: ['Links'],
      summary: 'Get a link',
      middleware: [action(authorizer, 'link.read', 'link')],
      request: { params: LinkId },
      responses: { 200: json(LinkSchema, 'the link'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(toLinkView(await links.get(c.var.principal, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/links/{id}',
      tags: ['Links'],
      summary: 'Close a link: removes exactly the rules it programmed',
      middleware: [action(authorizer, 'link.delete', 'link')],
      request: { params: LinkId, headers: IdempotencyHeaderSchema },
      responses: { 200: json(LinkSchema, 'removed'), ...problemResponses(400, 401, 403, 404, 409, 502, 503) },
    }),
    async (c) => {
      const { link, operation } = await links.delete(ctx(c), c.req.valid('param').id);
      c.set('audit', { resource: { type: 'link', id: link.id }, operationId: operation.id });
      return c.json(toLinkView(link), 200);
    },
  );
  return app;
}
