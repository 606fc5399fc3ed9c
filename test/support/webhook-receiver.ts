import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  webhookId: string;
  // biome-ignore lint/suspicious/noExplicitAny: test payloads are inspected field by field
  payload: any;
}

/**
 * A webhook receiver on 127.0.0.1 as a tenant would write one: verifies each request with the
 * `standardwebhooks` package against the secret it was given, keeps every delivery (duplicates too) and
 * processes each `webhook-id` once. `respond` decides the answer (a status, or `hold` to never answer).
 */
export async function startWebhookReceiver() {
  let secret: string | undefined;
  const deliveries: ReceivedEvent[] = [];
  const processed = new Map<string, ReceivedEvent>();
  let badSignatures = 0;
  let respond: (event: ReceivedEvent) => number | 'hold' = () => 204;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: unknown;
      try {
        if (!secret) throw new Error('no secret yet');
        payload = new Webhook(secret).verify(body, request.headers as Record<string, string>);
      } catch {
        badSignatures += 1;
        response.writeHead(400).end();
        return;
      }
      const received = { webhookId: String(request.headers['webhook-id']), payload };
      deliveries.push(received);
      const answer = respond(received);
      if (answer === 'hold') return;
      if (answer >= 200 && answer < 300 && !processed.has(received.webhookId))
        processed.set(received.webhookId, received);
      response.writeHead(answer).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    deliveries,
    processed,
    badSignatures: () => badSignatures,
    setSecret(value: string) {
      secret = value;
    },
    respondWith(fn: (event: ReceivedEvent) => number | 'hold') {
      respond = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
