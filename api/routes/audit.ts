import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AuditLog } from '../../core/ports/audit-log.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { ApiEnv } from '../context.ts';
import { action, TENANT_PATTERN } from '../middleware/authorize.ts';
import { labelText, PageQuerySchema, page, problemResponses } from '../schemas/common.ts';

const AuditRecordSchema = z
  .object({
    chain: z.string(),
    seq: z.number().int(),
    at: z.string(),
    requestId: z.string(),
    actor: z.object({ sub: z.string(), tenant: z.string(), roles: z.array(z.string()) }),
    action: z.string(),
    resource: z.object({ type: z.string(), id: z.string().optional(), tenant: z.string() }),
    outcome: z.enum(['accepted', 'succeeded', 'denied', 'rejected', 'failed']),
    httpStatus: z.number().int(),
    errorCode: z.string().optional(),
    policies: z.array(z.string()),
    placement: z
      .object({
        chosen: z.string().optional(),
        engine: z.string(),
        bundleHash: z.string(),
        candidates: z.array(
          z.object({ targetId: z.string(), permitted: z.boolean(), policies: z.array(z.string()) }),
        ),
      })
      .optional(),
    operationId: z.string().optional(),
    detail: z.record(z.string(), z.string()).optional(),
    replayOf: z
      .string()
      .optional()
      .openapi({ description: 'an idempotent replay: the request whose stored response it replayed' }),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditRecord');

const isoTime = z.iso.datetime({ offset: true });

/** `/v1/audit`: a tenant's records of the hash-chained audit trail, for its auditors and admins (and operators). */
export function auditRoutes(log: AuditLog, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit',
      tags: ['Audit'],
      summary: "The tenant's audit records, newest first",
      middleware: [action(authorizer, 'audit.read', 'audit')],
      request: {
        query: PageQuerySchema.extend({
          tenant: z
            .string()
            .regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes')
            .optional()
            .openapi({
              description: "whose records: the caller's tenant by default; another needs the operator role",
            }),
          action: labelText(64).optional(),
          from: isoTime.optional(),
          to: isoTime.optional(),
        }),
      },
      responses: {
        200: {
          description: 'one page',
          content: { 'application/json': { schema: page(AuditRecordSchema, 'AuditPage') } },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      // Always one tenant's records: the caller's own, or the one it named and policy let it read.
      const { limit, cursor, tenant: _named, ...filter } = c.req.valid('query');
      const result = await log.list(
        {
          ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)),
          tenant: c.var.principal.tenant,
        },
        { limit, viewer: c.var.principal.tenant, ...(cursor ? { cursor } : {}) },
      );
      return c.json(result, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit/verify',
      tags: ['Audit'],
      summary: "Verify this region's audit hash chain",
      middleware: [action(authorizer, 'audit.verify', 'audit')],
      responses: {
        200: {
          description: 'verification result',
          content: {
            'application/json': {
              schema: z.object({
                chain: z.string(),
                records: z.number().int(),
                ok: z.boolean(),
                brokenAt: z.number().int().optional(),
                anchoredSeq: z
                  .number()
                  .int()
                  .optional()
                  .openapi({ description: 'the newest head anchored outside the table' }),
                reason: z.string().optional(),
              }),
            },
          },
        },
        ...problemResponses(401, 403),
      },
    }),
    async (c) => c.json(await log.verify(), 200),
  );
  return app;
}
