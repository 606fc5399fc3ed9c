import { describe, expect, it } from 'vitest';
import type {
  BrokerEvent,
  DeliveryResult,
  EventLog,
  LoggedEvent,
  Webhook,
  WebhookRepository,
} from '../ports/events.ts';
import { silentLogger } from '../ports/logger.ts';
import { WebhookDispatcher } from './webhook-dispatcher.ts';

/** Back-off, ordering and disabling of deliveries, on a controlled clock. */
describe('webhook dispatcher', () => {
  const events: LoggedEvent[] = ['a', 'b', 'c'].map((name, i) => ({
    id: `evt-${name}`,
    kind: i === 1 ? 'drift.detected' : 'operation.succeeded',
    tenant: 't',
    time: '2026-01-01T00:00:00.000Z',
    data: {},
    position: `0000000000000000000000000${i}`,
  }));
  const log: EventLog = {
    append: async () => undefined,
    positionNow: () => '0',
    readAfter: async (_t, after, limit) =>
      events.filter((e) => after === undefined || e.position > after).slice(0, limit),
  };
  const setup = (answers: DeliveryResult[]) => {
    let stored: Webhook = {
      id: 'whk-1',
      tenant: 't',
      url: 'https://hooks.example.org/',
      events: ['operation.succeeded'],
      secret: 'whsec_x',
      status: 'active',
      failures: 0,
      createdAt: '',
      updatedAt: '',
      version: 0,
    };
    const repo: WebhookRepository = {
      create: async () => undefined,
      get: async () => stored,
      listForTenant: async () => ({ items: [stored] }),
      listActive: async () => (stored.status === 'active' ? [stored] : []),
      save: async (next) => {
        if (next.version !== stored.version) return false;
        stored = { ...next, version: next.version + 1 };
        return true;
      },
      delete: async () => stored,
    };
    const sent: string[] = [];
    let now = 1_000_000;
    const dispatcher = new WebhookDispatcher(
      {
        webhooks: repo,
        log,
        transport: {
          deliver: async (_w: Webhook, e: BrokerEvent) => {
            sent.push(e.id);
            return answers.shift() ?? { ok: true };
          },
        },
        clock: { now: () => new Date(now) },
        logger: silentLogger,
      },
      { maxFailures: 3, baseDelayMs: 1000, maxDelayMs: 1500 },
    );
    return { dispatcher, sent, hook: () => stored, advance: (ms: number) => (now += ms), now: () => now };
  };

  it('delivers subscribed kinds in order and skips the others', async () => {
    const { dispatcher, sent, hook } = setup([]);
    expect(await dispatcher.pass()).toBe(3);
    expect(sent).toEqual(['evt-a', 'evt-c']);
    expect(hook().deliveredThrough).toBe(events[2]!.position);
    expect(await dispatcher.pass()).toBe(0);
  });

  it('backs off after a failure, retries the same event when due, keeps later ones behind it', async () => {
    const { dispatcher, sent, hook, advance, now } = setup([{ ok: false, reason: 'HTTP 503' }]);
    await dispatcher.pass();
    expect(sent).toEqual(['evt-a']);
    expect(hook()).toMatchObject({ failures: 1, lastError: 'HTTP 503' });
    expect(Date.parse(hook().nextAttemptAt!)).toBe(now() + 1000);
    advance(999);
    await dispatcher.pass();
    expect(sent).toEqual(['evt-a']); // not due yet
    advance(1);
    await dispatcher.pass();
    expect(sent).toEqual(['evt-a', 'evt-a', 'evt-c']);
    expect(hook()).toMatchObject({ failures: 0, status: 'active' });
    expect(hook().nextAttemptAt).toBeUndefined();
  });

  it('caps the back-off and disables after the last allowed failure, with the reason', async () => {
    const fail = { ok: false as const, reason: 'HTTP 500' };
    const { dispatcher, hook, advance, now } = setup([fail, fail, fail]);
    await dispatcher.pass();
    advance(1000);
    await dispatcher.pass();
    expect(Date.parse(hook().nextAttemptAt!)).toBe(now() + 1500); // 2000 capped at 1500
    advance(1500);
    await dispatcher.pass();
    expect(hook()).toMatchObject({
      status: 'disabled',
      failures: 3,
      disabledReason: '3 consecutive failed deliveries; last: HTTP 500',
    });
    expect(await dispatcher.pass()).toBe(0); // a disabled webhook is left alone
  });

  it('disables at once on a permanent refusal', async () => {
    const { dispatcher, hook } = setup([
      { ok: false, reason: 'webhook URL refused: private', permanent: true },
    ]);
    await dispatcher.pass();
    expect(hook()).toMatchObject({ status: 'disabled', disabledReason: 'webhook URL refused: private' });
  });
});
