import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { PolicyCatalogue } from '../../core/ports/policy-catalogue.ts';
import type { ApiEnv } from '../context.ts';
import { action, TENANT_PATTERN } from '../middleware/authorize.ts';
import { problemResponses } from '../schemas/common.ts';

const tenantQuery = z.object({
  tenant: z
    .string()
    .regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes')
    .optional()
    .openapi({ description: "whose view: the caller's tenant by default; another needs the operator role" }),
});

const BundleSchema = z
  .object({
    hash: z
      .string()
      .openapi({ description: 'sha256 of the canonical bundle; every placement decision records it' }),
    files: z.array(z.string()),
    policies: z.array(
      z.object({
        id: z.string().openapi({ description: "the policy's @id" }),
        effect: z.enum(['permit', 'forbid']),
        file: z.string(),
        line: z.number().int(),
        reason: z.string().optional().openapi({ description: '@reason: what a denied candidate shows' }),
      }),
    ),
  })
  .openapi('PolicyBundleSummary');

const TestsSchema = z
  .object({
    bundleHash: z.string(),
    available: z.boolean().openapi({ description: 'false when this deployment carries no policy tests' }),
    passed: z.number().int(),
    failed: z.number().int(),
    cases: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(['placement', 'authorization', 'flow']),
        passed: z.boolean(),
        failures: z.array(z.string()),
      }),
    ),
  })
  .openapi('PolicyTestResults');

/**
 * `/v1/policies`: the bundle in force (hash, files, policies with @id and reason) and its policy tests'
 * results, read-only. A tenant sees the platform's policies and its own exceptions, never another's.
 */
export function policyRoutes(catalogue: PolicyCatalogue, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/policies',
      tags: ['Policies'],
      summary: 'The policy bundle in force: hash, files, and the policies that can apply to the tenant',
      middleware: [action(authorizer, 'policy.read', 'target')],
      request: { query: tenantQuery },
      responses: {
        200: { description: 'the bundle', content: { 'application/json': { schema: BundleSchema } } },
        ...problemResponses(400, 401, 403),
      },
    }),
    (c) => c.json(catalogue.bundle(c.var.principal.tenant), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/policies/tests',
      tags: ['Policies'],
      summary: "The policy tests' results against the bundle in force",
      middleware: [action(authorizer, 'policy.read', 'target')],
      request: { query: tenantQuery },
      responses: {
        200: { description: 'the results', content: { 'application/json': { schema: TestsSchema } } },
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await catalogue.tests(), 200),
  );
  return app;
}
