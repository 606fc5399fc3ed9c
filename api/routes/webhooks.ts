import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { WebhookService } from '../../core/events/webhook-service.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import { EVENT_KINDS } from '../../core/ports/events.ts';
import type { ApiEnv } from '../context.ts';
import { action, TENANT_PATTERN } from '../middleware/authorize.ts';
import { IdParamSchema, PageQuerySchema, page, printableText, problemResponses } from '../schemas/common.ts';

/** `POST /v1/webhooks` answers the secret once: its answer is never stored for an idempotent replay. */
export const WEBHOOK_CREATE_PATH = /^\/v1\/webhooks$/;

const EventKindSchema = z.enum(EVENT_KINDS).openapi('EventKind');

const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(EventKindSchema),
    status: z.enum(['active', 'disabled']),
    disabledReason: z.string().optional().openapi({ description: 'why delivery stopped' }),
    deliveredThrough: z
      .string()
      .optional()
      .openapi({ description: 'the event stream position delivered through' }),
    failures: z.number().int().openapi({ description: 'consecutive failed attempts at the next event' }),
    nextAttemptAt: z.string().optional(),
    lastError: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Webhook');

const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().openapi({
    description: 'Standard Webhooks signing secret (whsec_…): shown only in this answer',
  }),
}).openapi('CreatedWebhook');

const CreateWebhookSchema = z
  .object({
    url: printableText(2048).openapi({
      description: 'https only (http to loopback on the embedded default); never a private address',
      example: 'https://hooks.example.org/broker',
    }),
    events: z.array(EventKindSchema).min(1).max(EVENT_KINDS.length),
  })
  .strict()
  .openapi('CreateWebhook');

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** `/v1/webhooks`: where a tenant's events are sent, signed per Standard Webhooks (its admins'). */
export function webhookRoutes(webhooks: WebhookService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhooks',
      tags: ['Events'],
      summary: 'Register a webhook (admin); the answer holds its signing secret, once',
      middleware: [action(authorizer, 'webhook.create', 'webhook')],
      request: { body: { required: true, content: { 'application/json': { schema: CreateWebhookSchema } } } },
      responses: {
        201: json(CreatedWebhookSchema, 'registered'),
        ...problemResponses(400, 401, 403, 409, 422),
      },
    }),
    async (c) => c.json(await webhooks.create(c.var.principal.tenant, c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks',
      tags: ['Events'],
      summary: "The tenant's webhooks (at most 10) with their delivery state",
      middleware: [action(authorizer, 'webhook.list', 'webhook')],
      request: {
        query: PageQuerySchema.extend({
          tenant: z
            .string()
            .regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes')
            .optional()
            .openapi({
              description: "whose webhooks: the caller's tenant by default; another needs the operator role",
            }),
        }),
      },
      responses: {
        200: json(page(WebhookSchema, 'WebhookPage'), 'one page'),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const found = await webhooks.list(c.var.principal.tenant, { limit, ...(cursor ? { cursor } : {}) });
      return c.json(found, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/{id}',
      tags: ['Events'],
      summary: 'A webhook and its delivery state (why it was disabled)',
      middleware: [action(authorizer, 'webhook.list', 'webhook')],
      request: { params: IdParamSchema('whk') },
      responses: { 200: json(WebhookSchema, 'the webhook'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await webhooks.get(c.var.principal.tenant, c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/webhooks/{id}',
      tags: ['Events'],
      summary: 'Remove a webhook: nothing more is sent to it',
      middleware: [action(authorizer, 'webhook.delete', 'webhook')],
      request: { params: IdParamSchema('whk') },
      responses: { 200: json(WebhookSchema, 'removed'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await webhooks.delete(c.var.principal.tenant, c.req.valid('param').id), 200),
  );
  return app;
}
