import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import { usageCsv } from '../../core/usage/usage-csv.ts';
import { USAGE_GROUPINGS, type UsageReport } from '../../core/usage/usage-report.ts';
import { MAX_USAGE_WINDOW_DAYS, type UsageService } from '../../core/usage/usage-service.ts';
import type { ApiEnv } from '../context.ts';
import { action, TENANT_PATTERN } from '../middleware/authorize.ts';
import { problemResponses } from '../schemas/common.ts';

const measures = {
  vcpuHours: z.number(),
  ramGiBHours: z.number(),
  volumeGiBHours: z.number().openapi({ description: 'volumes while they exist, and VM root disks' }),
  instanceHours: z.number().openapi({ description: 'VMs while they hold their size (not stopped)' }),
  objectGiBHours: z.number().openapi({ description: 'bucket bytes as their stores report them' }),
  cost: z.number().optional().openapi({ description: 'with a rate card: in `currency`, 6 decimals' }),
};

const UsageReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(USAGE_GROUPINGS),
    currency: z.string().optional(),
    groups: z.array(
      z.object({
        key: z.string(),
        ...measures,
        unpriced: z
          .boolean()
          .optional()
          .openapi({ description: 'some usage fell where no rate was in force' }),
      }),
    ),
    total: z.object(measures),
  })
  .openapi('UsageReport', { description: 'hours per group, rounded to 6 decimals (docs/usage.md)' });

const instant = (which: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({
      description: `${which} of the window, an ISO 8601 instant (\`2026-11-01T00:00:00Z\`); at most ${MAX_USAGE_WINDOW_DAYS} days; give both or neither (the current calendar month, UTC)`,
    });
const windowQuery = { from: instant('start (inclusive)'), to: instant('end (exclusive)') };

const reportContent = {
  'application/json': { schema: UsageReportSchema },
  'text/csv': {
    schema: z.string().openapi({ description: 'the same report: one row per group, then `total`' }),
  },
};

/** `/v1/usage`: what a tenant used (and, with a rate card, what it cost), grouped; JSON or CSV. */
export function usageRoutes(usage: UsageService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/usage',
      tags: ['Usage'],
      summary: "The tenant's usage over a window, per group (Accept: text/csv for CSV)",
      middleware: [action(authorizer, 'usage.read', 'usage')],
      request: {
        query: z.object({
          ...windowQuery,
          groupBy: z.enum(USAGE_GROUPINGS.filter((g) => g !== 'tenant')).default('target'),
          tenant: z
            .string()
            .regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes')
            .optional()
            .openapi({
              description: "whose usage: the caller's tenant by default; another needs the operator role",
            }),
        }),
      },
      responses: {
        200: { description: 'the report', content: reportContent },
        ...problemResponses(400, 401, 403, 422),
      },
    }),
    async (c) => {
      const { from, to, groupBy } = c.req.valid('query');
      // The tenant the action middleware settled on: the caller's own, or the one policy let it read.
      const report = await usage.report({ tenant: c.var.principal.tenant, from, to, groupBy });
      return answer(c, report);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/usage/all',
      tags: ['Usage'],
      summary: "Every tenant's usage over a window, per group (operators; Accept: text/csv for CSV)",
      middleware: [action(authorizer, 'usage.readAll', 'usage')],
      request: {
        query: z.object({ ...windowQuery, groupBy: z.enum(USAGE_GROUPINGS).default('tenant') }),
      },
      responses: {
        200: { description: 'the report', content: reportContent },
        ...problemResponses(400, 401, 403, 422),
      },
    }),
    async (c) => {
      const { from, to, groupBy } = c.req.valid('query');
      return answer(c, await usage.report({ tenant: undefined, from, to, groupBy }));
    },
  );
  return app;
}

/** CSV when the client prefers it to JSON, JSON otherwise. */
// biome-ignore lint/suspicious/noExplicitAny: both routes answer the same two content types
function answer(c: Context<ApiEnv, any, any>, report: UsageReport): any {
  if (prefersCsv(c.req.header('accept'))) {
    c.header('content-type', 'text/csv; charset=utf-8');
    return c.body(usageCsv(report), 200);
  }
  return c.json(report, 200);
}

function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  const quality = (type: string) => {
    const entry = accept
      .split(',')
      .map((part) => part.trim().split(';'))
      .find(([media]) => media?.trim().toLowerCase() === type);
    if (!entry) return 0;
    const q = entry.slice(1).find((p) => p.trim().startsWith('q='));
    return q === undefined ? 1 : Number(q.trim().slice(2)) || 0;
  };
  const csv = quality('text/csv');
  return csv > 0 && csv >= quality('application/json');
}
