import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiEnv } from '../../api/context.ts';
import { action } from '../../api/middleware/authorize.ts';
import { labelText, problemResponses } from '../../api/schemas/common.ts';
import { FAULT_KINDS, FAULT_TYPES } from '../../connectors/sandbox/sandbox-faults.ts';
import { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { BrokerError } from '../../core/errors.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ProviderRegistry } from '../../core/ports/cloud/provider.ts';

const FaultsSchema = z
  .object({
    rules: z
      .array(
        z
          .object({
            type: z.enum(FAULT_TYPES),
            method: labelText(64).optional(),
            kind: z.enum(FAULT_KINDS).optional(),
            count: z.number().int().min(1).max(100_000),
            probability: z.number().min(0).max(1).optional(),
            // `crash` only: SIGKILL this process at the nth matching call, before or after its work.
            when: z.enum(['before', 'after']).optional(),
            nth: z.number().int().min(1).max(1000).optional(),
          })
          .strict(),
      )
      .max(20),
    latencyMs: z.number().int().min(0).max(30_000).default(0),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
  })
  .strict()
  .openapi('SandboxFaults', { description: 'SIMULATION ONLY: faults the sandbox cloud will produce' });

/**
 * `/v1/sandbox/targets/{id}/faults` (embedded default only, admins only): tells a sandbox target to fail,
 * lose responses, fail builds, slow down or crash the whole process at a cloud call — for demos and for
 * tests that drive a running broker.
 */
export function sandboxAdminRoutes(providers: ProviderRegistry, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const sandbox = (id: string) => {
    const provider = providers.all().find((p) => p.target.id === id);
    if (!(provider instanceof SandboxProvider))
      throw new BrokerError('target.notFound', `no sandbox target ${id}`);
    return provider;
  };
  const params = z.object({
    id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: 'id', in: 'path' } }),
  });
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/sandbox/targets/{id}/faults',
      tags: ['Sandbox (simulation)'],
      summary: 'Set the faults a sandbox target simulates',
      middleware: [action(authorizer, 'sandbox.faults', 'target')],
      request: {
        params,
        body: { content: { 'application/json': { schema: FaultsSchema } }, required: true },
      },
      responses: {
        200: {
          description: 'the faults now in force',
          content: { 'application/json': { schema: FaultsSchema } },
        },
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const provider = sandbox(c.req.valid('param').id);
      provider.faults.set(c.req.valid('json'));
      c.set('audit', { resource: { type: 'target', id: provider.target.id } });
      return c.json(provider.faults.settings, 200);
    },
  );
  return app;
}
