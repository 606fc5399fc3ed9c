import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateDevKey, mintDevToken } from '../../auth/dev-signing-key.ts';
import type { Role } from '../../core/model/principal.ts';
import { FAST_TARGETS } from '../support/broker-harness.ts';
import { kill, type SpawnedBroker, startBroker } from '../support/spawned-broker.ts';
import { readStream } from '../support/sse-client.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * At least once, and once per id for a receiver that deduplicates: `npm start` is SIGKILLed after the
 * state change and before its delivery was acknowledged, restarted on the same data folder, and the
 * receiver (verifying every signature with `standardwebhooks`) ends with every event, each id processed
 * once, however often it arrived.
 */
describe('webhook delivery across a crash of the broker process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-events-crash-'));
  let broker: SpawnedBroker;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const token = async (roles: Role[]) =>
    mintDevToken(await loadOrCreateDevKey(dataDir), { tenant: 'crash-events', roles });
  const call = async (method: string, path: string, roles: Role[], body?: unknown) => {
    const response = await fetch(`${broker.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await token(roles)}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
    return { status: response.status, body: (await response.json()) as any };
  };
  const createVm = async (name: string) => {
    const reply = await call('POST', '/v1/vms', ['app'], {
      name,
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'internal',
    });
    expect(reply.status).toBe(202);
    return reply.body.operation.id as string;
  };
  const opStatus = async (id: string) => (await call('GET', `/v1/operations/${id}`, ['app'])).body.status;

  beforeAll(async () => {
    process.env.HCB_WEBHOOK_RETRY_BASE_MS = '200';
    process.env.HCB_EVENTS_SETTLE_MS = '300';
    receiver = await startWebhookReceiver();
    broker = await startBroker(dataDir, FAST_TARGETS);
    const created = await call('POST', '/v1/webhooks', ['admin'], {
      url: receiver.url,
      events: ['operation.succeeded', 'vm.statusChanged'],
    });
    expect(created.status).toBe(201);
    receiver.setSecret(created.body.secret);
  });
  afterAll(async () => {
    await kill(broker);
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('redelivers an event whose acknowledgement the crash swallowed; the receiver processes it once', async () => {
    // The receiver takes the first event in, then the broker dies before it hears the 2xx.
    let first: string | undefined;
    receiver.respondWith((event) => {
      if (first !== undefined) return 204;
      first = event.webhookId;
      receiver.processed.set(event.webhookId, event);
      void kill(broker);
      return 'hold';
    });
    const opId = await createVm('first');
    await waitFor(
      async () => broker.child.signalCode,
      (signal) => signal === 'SIGKILL',
      { timeoutMs: 30_000, what: 'the kill inside the first delivery' },
    );
    broker = await startBroker(dataDir, FAST_TARGETS);
    const expected = [`evt-${opId}.succeeded`, `evt-${opId}.vm.active`];
    await waitFor(
      async () => expected.filter((id) => !receiver.processed.has(id)),
      (missing) => missing.length === 0,
      { timeoutMs: 30_000, what: 'both events after the restart' },
    );
    expect(expected).toContain(first);
    const arrivals = receiver.deliveries.filter((d) => d.webhookId === first).length;
    expect(arrivals).toBeGreaterThanOrEqual(2); // delivered again: at least once
    expect(receiver.badSignatures()).toBe(0);
  });

  it('delivers the events of an operation that finished just before the process died', async () => {
    const opId = await createVm('second');
    await waitFor(
      () => opStatus(opId),
      (status) => status === 'succeeded',
      {
        timeoutMs: 30_000,
        intervalMs: 10,
        what: 'the operation to succeed',
      },
    );
    await kill(broker); // right after the state change: the outbox has not been relayed or delivered yet
    broker = await startBroker(dataDir, FAST_TARGETS);
    const expected = [`evt-${opId}.succeeded`, `evt-${opId}.vm.active`];
    await waitFor(
      async () => expected.filter((id) => !receiver.processed.has(id)),
      (missing) => missing.length === 0,
      { timeoutMs: 30_000, what: 'both events after the restart' },
    );
    // Each event id processed exactly once, and nothing else arrived.
    const ids = new Set(receiver.deliveries.map((d) => d.webhookId));
    expect([...receiver.processed.keys()].sort()).toEqual([...ids].sort());
    expect(ids.size).toBe(4);
    // The stream after the restarts: each event once, in order.
    const streamed = await readStream(broker.base, await token(['app']));
    const streamedIds = streamed.map((s) => s.event.id);
    expect(new Set(streamedIds).size).toBe(streamedIds.length);
    expect(streamedIds).toEqual(expect.arrayContaining([...ids]));
  });
});
