import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { EventLog, LoggedEvent } from '../../core/ports/events.ts';
import { EVENT_KINDS } from '../../core/ports/events.ts';
import type { ApiEnv } from '../context.ts';
import { action, TENANT_PATTERN } from '../middleware/authorize.ts';
import { problemResponses } from '../schemas/common.ts';

export interface EventStreamOptions {
  /** Longest a `follow=true` stream stays open. */
  streamSeconds: number;
  /** Comment lines sent while nothing happens, so proxies keep the connection. */
  heartbeatMs?: number;
  /** How often an open stream looks for new events. */
  pollMs?: number;
}

const POSITION = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const PAGE = 100;

/**
 * `GET /v1/events`: the tenant's events as server-sent events. Each SSE `id` is the event's position in
 * the tenant's log; a client that reconnects with `Last-Event-ID` (browsers do it themselves) continues
 * right after it, without gaps. Without `follow=true` the stream sends what is there and ends; with it,
 * it stays open, with heartbeats, up to the server's stream limit, then ends (reconnect to go on).
 */
export function eventRoutes(
  log: EventLog,
  authorizer: Authorizer,
  options: EventStreamOptions,
): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const pollMs = options.pollMs ?? 500;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/events',
      tags: ['Events'],
      summary: "The tenant's events as a server-sent event stream (resumable with Last-Event-ID)",
      middleware: [action(authorizer, 'event.read', 'event')],
      request: {
        query: z.object({
          tenant: z
            .string()
            .regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes')
            .optional()
            .openapi({
              description: "whose events: the caller's tenant by default; another needs the operator role",
            }),
          follow: z
            .enum(['true', 'false'])
            .default('false')
            .openapi({
              description:
                'true: stay open for new events (heartbeat comments every 15 s) until the server stream limit ' +
                '(HCB_EVENTS_STREAM_SECONDS, 300 s by default), then end; false: send what is there and end',
            }),
        }),
        headers: z.object({
          'last-event-id': z
            .string()
            .regex(POSITION, 'an SSE id this stream sent')
            .optional()
            .openapi({ description: 'continue after this event (the `id` of the last one received)' }),
        }),
      },
      responses: {
        200: {
          description:
            'text/event-stream: `id` = log position, `event` = the event kind, `data` = the event as JSON ' +
            '({ id, kind, tenant, time, data }; `id` is the stable event id, the same as webhook-id)',
          // Before OpenAPI 3.2 (itemSchema), an event stream's `schema` describes each event it sends.
          content: { 'text/event-stream': { schema: StreamedEventSchema } },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
    (c) => {
      const { follow } = c.req.valid('query');
      const after = c.req.valid('header')['last-event-id'];
      const tenant = c.var.principal.tenant;
      const until = Date.now() + (follow === 'true' ? options.streamSeconds * 1000 : 0);
      return streamSSE(c, async (stream) => {
        let position = after;
        let lastWrite = Date.now();
        while (!stream.aborted && !stream.closed) {
          const events = await log.readAfter(tenant, position, PAGE);
          for (const event of events) {
            await stream.writeSSE({
              id: event.position,
              event: event.kind,
              data: JSON.stringify(view(event)),
            });
            position = event.position;
            lastWrite = Date.now();
          }
          if (events.length === PAGE) continue;
          if (Date.now() >= until) break;
          if (Date.now() - lastWrite >= heartbeatMs) {
            await stream.write(': heartbeat\n\n');
            lastWrite = Date.now();
          }
          await stream.sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
        }
      }) as never;
    },
  );
  return app;
}

/** One server-sent event as the stream writes it (heartbeats are comments, not events). */
const StreamedEventSchema = z
  .object({
    id: z.string().openapi({ description: 'the log position; send it back as Last-Event-ID to resume' }),
    event: z.enum(EVENT_KINDS),
    data: z.string().openapi({ description: 'the event as JSON: { id, kind, tenant, time, data }' }),
  })
  .openapi('StreamedEvent');

function view(event: LoggedEvent) {
  return { id: event.id, kind: event.kind, tenant: event.tenant, time: event.time, data: event.data };
}
