import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as Verifier } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerEvent, Webhook } from '../../core/ports/events.ts';
import { WebhookAddressGuard } from './address-guard.ts';
import { HttpsWebhookTransport } from './https-transport.ts';

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const event: BrokerEvent = {
  id: 'evt-op-01jb2x3y4z5a6b7c8d9e0f1g2h.succeeded',
  kind: 'operation.succeeded',
  tenant: 't',
  time: '2026-01-01T00:00:00.000Z',
  data: { operationId: 'op-01jb2x3y4z5a6b7c8d9e0f1g2h' },
};

/** Delivery signs per Standard Webhooks and checks the address it connects to, at connection time. */
describe('webhook transport', () => {
  let port: number;
  const seen: { headers: Record<string, string>; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (c) => (body += c));
    request.on('end', () => {
      seen.push({ headers: request.headers as Record<string, string>, body });
      response.writeHead(request.url === '/gone' ? 410 : 204).end();
    });
  });
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const hook = (url: string): Webhook => ({
    id: 'whk-01jb2x3y4z5a6b7c8d9e0f1g2h',
    tenant: 't',
    url,
    events: ['operation.succeeded'],
    secret,
    status: 'active',
    failures: 0,
    createdAt: event.time,
    updatedAt: event.time,
    version: 0,
  });

  it('signs so that the standardwebhooks package verifies, with webhook-id = the event id', async () => {
    const transport = new HttpsWebhookTransport(new WebhookAddressGuard({ allowLoopback: true }));
    expect(await transport.deliver(hook(`http://127.0.0.1:${port}/hook`), event)).toEqual({ ok: true });
    const got = seen.at(-1)!;
    expect(got.headers['webhook-id']).toBe(event.id);
    const payload = new Verifier(secret).verify(got.body, got.headers) as Record<string, unknown>;
    expect(payload).toMatchObject({ id: event.id, type: 'operation.succeeded', data: event.data });
    expect(() => new Verifier(secret).verify(`${got.body} `, got.headers)).toThrow();
  });

  it('treats 410 Gone as permanent', async () => {
    const transport = new HttpsWebhookTransport(new WebhookAddressGuard({ allowLoopback: true }));
    expect(await transport.deliver(hook(`http://127.0.0.1:${port}/gone`), event)).toEqual({
      ok: false,
      reason: 'HTTP 410',
      permanent: true,
    });
  });

  it('refuses, permanently, a name that now resolves to a private or loopback address (rebinding)', async () => {
    const before = seen.length;
    for (const address of ['127.0.0.1', '10.0.0.7', '169.254.169.254']) {
      const guard = new WebhookAddressGuard({ allowLoopback: false, resolve: async () => [address] });
      const result = await new HttpsWebhookTransport(guard).deliver(
        hook(`https://hooks.example.org:${port}/hook`),
        event,
      );
      expect(result, address).toMatchObject({ ok: false, permanent: true });
      expect(result.ok ? '' : result.reason).toMatch(/refused/);
    }
    const literal = new HttpsWebhookTransport(new WebhookAddressGuard({ allowLoopback: false }));
    expect(await literal.deliver(hook(`https://127.0.0.1:${port}/hook`), event)).toMatchObject({
      ok: false,
      permanent: true,
    });
    expect(seen.length).toBe(before); // nothing reached the listener
  });
});
