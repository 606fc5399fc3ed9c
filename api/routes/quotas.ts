import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { QuotaLedger, SiteQuota } from '../../core/ports/quota-ledger.ts';
import { QUOTA_RESOURCES, type QuotaResource } from '../../core/ports/quotas.ts';
import type { ApiEnv } from '../context.ts';
import { action, TENANT_PATTERN } from '../middleware/authorize.ts';
import { problemResponses } from '../schemas/common.ts';

const tenantId = z.string().regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes');

const ResourceQuotaSchema = z
  .object({ limit: z.number().int(), used: z.number().int(), reserved: z.number().int() })
  .openapi('ResourceQuota');
const SiteQuotaSchema = z
  .object(
    Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, ResourceQuotaSchema])) as Record<
      QuotaResource,
      typeof ResourceQuotaSchema
    >,
  )
  .openapi('SiteQuota');
export const QuotasSchema = z
  .object({ tenant: z.string(), onprem: SiteQuotaSchema, public: SiteQuotaSchema })
  .openapi('Quotas');

const limit = z.number().int().min(0).max(1_000_000_000);
const SiteLimitsPatch = z
  .strictObject(
    Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, limit.optional()])) as Record<
      QuotaResource,
      z.ZodOptional<typeof limit>
    >,
  )
  .openapi('SiteLimitsPatch');
const QuotaPatchSchema = z
  .strictObject({ onprem: SiteLimitsPatch.optional(), public: SiteLimitsPatch.optional() })
  .openapi('QuotaPatch', {
    description: 'limits to change, per site; those not named keep their value',
    example: { onprem: { instances: 10, vcpus: 40 } },
  });

/** The API's view of one site: each resource's limit with what is used and reserved. */
export function siteView(site: SiteQuota): z.infer<typeof SiteQuotaSchema> {
  return Object.fromEntries(
    QUOTA_RESOURCES.map((r) => [
      r,
      { limit: site.limits[r], used: site.used[r], reserved: site.reserved[r] },
    ]),
  ) as z.infer<typeof SiteQuotaSchema>;
}

/** `/v1/quotas`: a tenant's limits per site with usage and reservations; admins (own) and operators set them. */
export function quotaRoutes(quotas: QuotaLedger, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/quotas',
      tags: ['Quotas'],
      summary: "The tenant's quotas per site, with used and reserved",
      middleware: [action(authorizer, 'quota.read', 'quota')],
      request: {
        query: z.strictObject({
          tenant: tenantId.optional().openapi({
            description: "whose quotas: the caller's tenant by default; another needs the operator role",
          }),
        }),
      },
      responses: {
        200: { description: 'the quotas', content: { 'application/json': { schema: QuotasSchema } } },
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const tenant = c.var.principal.tenant;
      const view = await quotas.view(tenant);
      return c.json({ tenant, onprem: siteView(view.onprem), public: siteView(view.public) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/quotas/{tenant}',
      tags: ['Quotas'],
      summary: "Change some of a tenant's limits (its admin, or an operator)",
      middleware: [action(authorizer, 'quota.write', 'quota')],
      request: {
        params: z.object({ tenant: tenantId }),
        body: { content: { 'application/json': { schema: QuotaPatchSchema } }, required: true },
      },
      responses: {
        200: { description: 'the quotas now', content: { 'application/json': { schema: QuotasSchema } } },
        ...problemResponses(400, 401, 403, 422),
      },
    }),
    async (c) => {
      const tenant = c.var.principal.tenant;
      const patch = c.req.valid('json');
      const changed = Object.entries(patch).flatMap(([site, limits]) =>
        Object.entries(limits ?? {}).map(([r, n]) => [`${site}.${r}`, String(n)]),
      );
      c.set('audit', {
        resource: { type: 'quota', id: tenant, tenant },
        detail: Object.fromEntries(changed),
      });
      const view = await quotas.setLimits(tenant, patch);
      return c.json({ tenant, onprem: siteView(view.onprem), public: siteView(view.public) }, 200);
    },
  );
  return app;
}
