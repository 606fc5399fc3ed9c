import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { toVmView } from '../../core/model/vm.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { VmAddresses } from '../../core/vms/vm-addresses.ts';
import type { ApiEnv } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { IdempotencyHeaderSchema, IdParamSchema, problemResponses } from '../schemas/common.ts';
import { VmSchema } from '../schemas/vm.ts';
import { json } from './json-content.ts';

/**
 * `/v1/vms/{id}/addresses`: a public address (floating IP on OpenStack, Elastic IP on AWS) for a VM, where
 * flow policy's `expose` allows it (never for phi or pii), and its release.
 */
export function vmAddressRoutes(addresses: VmAddresses, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const VmId = IdParamSchema('vm');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/vms/{id}/addresses',
      tags: ['VMs'],
      summary: 'Give the VM a public address, where policy allows (never phi or pii)',
      middleware: [action(authorizer, 'vm.address', 'vm')],
      request: { params: VmId, headers: IdempotencyHeaderSchema },
      responses: {
        201: json(VmSchema, 'allocated and associated; the VM lists it as `public`'),
        ...problemResponses(400, 401, 403, 404, 409, 502, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { vm, verdict } = await addresses.allocate(c.var.principal, id);
      c.set('audit', {
        resource: { type: 'vm', id },
        detail: { publicAddress: 'allocated', flowPolicies: verdict.policies.join(',') },
      });
      return c.json(toVmView(vm), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/vms/{id}/addresses',
      tags: ['VMs'],
      summary: "Release the VM's public address",
      middleware: [action(authorizer, 'vm.address', 'vm')],
      request: { params: VmId, headers: IdempotencyHeaderSchema },
      responses: {
        200: json(VmSchema, 'released; the VM keeps its private addresses'),
        ...problemResponses(400, 401, 403, 404, 409, 502, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const vm = await addresses.release(c.var.principal, id);
      c.set('audit', { resource: { type: 'vm', id }, detail: { publicAddress: 'released' } });
      return c.json(toVmView(vm), 200);
    },
  );
  return app;
}
