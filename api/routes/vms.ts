import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { toOperationView } from '../../core/model/operation.ts';
import { toVmView } from '../../core/model/vm.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { VmService } from '../../core/vms/vm-service.ts';
import { type ApiEnv, requestContext } from '../context.ts';
import { type ActionOf, action } from '../middleware/authorize.ts';
import { placementSummary } from '../placement-summary.ts';
import { IdempotencyHeaderSchema, IdParamSchema, problemResponses } from '../schemas/common.ts';
import {
  ConsoleSchema,
  CreateVmSchema,
  VmActionSchema,
  VmListQuerySchema,
  VmPageSchema,
  VmSchema,
  VmWithOperationSchema,
} from '../schemas/vm.ts';
import { VmGetQuerySchema } from '../schemas/vm-hosting.ts';
import { json, jsonBody } from './json-content.ts';

/** The admin view of a VM (its host) is its own action in policy: `vm.readHost`. */
const adminViewAction: ActionOf = (c) => (c.req.query('view') === 'admin' ? 'vm.readHost' : 'vm.read');

/** Opening a console is its own action in policy (`vm.console`); the other VM actions are `vm.action`. */
const consoleAction: ActionOf = async (c) => {
  // A clone: the body stays unread for the idempotency fingerprint and the validator.
  const body: unknown = await c.req.raw
    .clone()
    .json()
    .catch(() => undefined);
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  return type === 'console' ? 'vm.console' : 'vm.action';
};

/** `/v1/vms`: create, list, get, act on and delete VMs. */
export function vmRoutes(vms: VmService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const VmId = IdParamSchema('vm');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/vms',
      tags: ['VMs'],
      summary: 'Create a VM (placed by policy)',
      middleware: [action(authorizer, 'vm.create', 'vm')],
      request: { headers: IdempotencyHeaderSchema, ...jsonBody(CreateVmSchema) },
      responses: {
        202: json(VmWithOperationSchema, 'accepted; poll the operation'),
        ...problemResponses(400, 401, 403, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { vm, operation, decision } = await vms.create(requestContext(c), {
        ...input,
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      });
      c.set('audit', {
        resource: { type: 'vm', id: vm.id },
        placement: placementSummary(decision),
        operationId: operation.id,
      });
      c.header('location', `/v1/vms/${vm.id}`);
      return c.json({ vm: toVmView(vm), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/vms',
      tags: ['VMs'],
      summary: "List the tenant's VMs",
      middleware: [action(authorizer, 'vm.list', 'vm')],
      request: { query: VmListQuerySchema },
      responses: { 200: json(VmPageSchema, 'one page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await vms.list(
        c.var.principal,
        {
          ...(q.status ? { status: q.status } : {}),
          ...(q.classification ? { classification: q.classification } : {}),
          ...(q.targetId ? { targetId: q.targetId } : {}),
          ...(q.name ? { namePrefix: q.name } : {}),
        },
        { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) },
      );
      return c.json(
        {
          items: result.items.map(toVmView),
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/vms/{id}',
      tags: ['VMs'],
      summary: 'Get a VM (`?view=admin`: with its host and migrations)',
      middleware: [action(authorizer, adminViewAction, 'vm')],
      request: { params: VmId, query: VmGetQuerySchema },
      responses: { 200: json(VmSchema, 'the VM'), ...problemResponses(400, 401, 403, 404, 502, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (c.req.valid('query').view !== 'admin')
        return c.json(toVmView(await vms.get(c.var.principal, id)), 200);
      const { vm, hosting } = await vms.getWithHosting(c.var.principal, id);
      return c.json({ ...toVmView(vm), ...(hosting ? { hosting } : {}) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/vms/{id}/actions',
      tags: ['VMs'],
      summary: 'Start, stop, reboot, pause, unpause, resize, snapshot, console or migrate',
      middleware: [action(authorizer, consoleAction, 'vm')],
      request: { params: VmId, headers: IdempotencyHeaderSchema, ...jsonBody(VmActionSchema) },
      responses: {
        200: json(ConsoleSchema, 'console (synchronous)'),
        202: json(VmWithOperationSchema, 'accepted; poll the operation'),
        ...problemResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const result = await vms.act(requestContext(c), id, body);
      if (result.kind === 'console') return c.json({ vm: toVmView(result.vm), console: result.console }, 200);
      c.set('audit', { resource: { type: 'vm', id }, operationId: result.operation.id });
      return c.json({ vm: toVmView(result.vm), operation: toOperationView(result.operation) }, 202);
    },
  );

  // Service endpoints: flow policy lets public-site workloads reach an on-prem VM only through one, so
  // the designation is an admin's (api.cedar), audited, and never read from the VM's own tags.
  for (const method of ['put', 'delete'] as const)
    app.openapi(
      createRoute({
        method,
        path: '/v1/vms/{id}/service-endpoint',
        tags: ['VMs'],
        summary:
          method === 'put'
            ? 'Designate the VM a service endpoint (admins)'
            : 'Stop designating the VM a service endpoint (admins)',
        middleware: [action(authorizer, 'vm.serviceEndpoint', 'vm')],
        request: { params: VmId },
        responses: { 200: json(VmSchema, 'the VM'), ...problemResponses(400, 401, 403, 404, 409) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const vm = await vms.designateServiceEndpoint(c.var.principal, id, method === 'put');
        c.set('audit', {
          resource: { type: 'vm', id },
          detail: { serviceEndpoint: String(method === 'put') },
        });
        return c.json(toVmView(vm), 200);
      },
    );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/vms/{id}',
      tags: ['VMs'],
      summary: 'Delete a VM',
      middleware: [action(authorizer, 'vm.delete', 'vm')],
      request: { params: VmId, headers: IdempotencyHeaderSchema },
      responses: {
        202: json(VmWithOperationSchema, 'accepted'),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { vm, operation } = await vms.delete(requestContext(c), id);
      c.set('audit', { resource: { type: 'vm', id }, operationId: operation.id });
      return c.json({ vm: toVmView(vm), operation: toOperationView(operation) }, 202);
    },
  );

  return app;
}
