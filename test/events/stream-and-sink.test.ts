import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { parseSse, readStream } from '../support/sse-client.ts';

/** The EventSink other parts use (the reconciler's drift), and a following stream that ends on time. */
describe('event sink and follow streams', () => {
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    h = await startHarness({ env: { HCB_EVENTS_STREAM_SECONDS: '2', HCB_EVENTS_SETTLE_MS: '200' } });
    app = await h.token('sink-a', ['app']);
  });
  afterAll(() => h.close());

  it('records a change once however often it is recorded, with or without an id', async () => {
    const drift = {
      kind: 'drift.detected' as const,
      tenant: 'sink-a',
      data: { vmId: 'vm-x', status: 'stopped' },
    };
    await h.broker.events.sink.record(drift);
    await h.broker.events.sink.record(drift);
    await h.broker.events.sink.record({ ...drift, id: 'evt-drift-1' });
    await h.broker.events.sink.record({ ...drift, id: 'evt-drift-1' });
    await new Promise((r) => setTimeout(r, 400));
    const events = await readStream(h.base, app);
    expect(events.map((e) => e.event.kind)).toEqual(['drift.detected', 'drift.detected']);
    expect(events[1]!.event.id).toBe('evt-drift-1');
    expect(events[0]!.event.data).toEqual({ vmId: 'vm-x', status: 'stopped' });
  });

  it('follows: sends an event recorded while it is open, then ends at the stream limit', async () => {
    const before = await readStream(h.base, app);
    const started = Date.now();
    const response = await fetch(`${h.base}/v1/events?follow=true`, {
      headers: { authorization: `Bearer ${app}`, 'last-event-id': before.at(-1)!.position },
    });
    expect(response.status).toBe(200);
    setTimeout(() => {
      void h.broker.events.sink.record({
        kind: 'drift.detected',
        tenant: 'sink-a',
        id: 'evt-live',
        data: {},
      });
    }, 300);
    const text = await response.text(); // returns when the server ends the stream
    const elapsed = Date.now() - started;
    expect(parseSse(text).map((e) => e.event.id)).toEqual(['evt-live']);
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(6_000);
  });

  it('resumes after the connection drops mid-stream: every event once, none missing', async () => {
    const token = await h.token('sink-drop', ['app']);
    const record = (n: number) =>
      h.broker.events.sink.record({
        kind: 'drift.detected',
        tenant: 'sink-drop',
        id: `evt-drop-${n}`,
        data: { n },
      });
    for (let n = 0; n < 4; n++) await record(n);
    const controller = new AbortController();
    const response = await fetch(`${h.base}/v1/events?follow=true`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let text = '';
    // Only whole messages count: a chunk may end inside one.
    const whole = () => parseSse(text.slice(0, text.lastIndexOf('\n\n') + 1));
    while (whole().length < 2) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort(); // the connection drops after (at least) two events
    const first = whole();
    // More happens while the client is away.
    for (let n = 4; n < 7; n++) await record(n);
    await new Promise((r) => setTimeout(r, 400));
    const rest = await readStream(h.base, token, first.at(-1)!.position);
    const ids = [...first, ...rest].map((e) => e.event.id);
    expect(ids).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => `evt-drop-${n}`));
  });

  it('refuses a Last-Event-ID it never sent, and another tenant for a non-operator', async () => {
    const bad = await h.call('GET', '/v1/events', { token: app, headers: { 'last-event-id': 'evt-live' } });
    expect(bad.status).toBe(400);
    const other = await h.call('GET', '/v1/events?tenant=sink-b', { token: app });
    expect(other.status).toBe(403);
    const operator = await h.token('platform', ['operator']);
    const read = await fetch(`${h.base}/v1/events?tenant=sink-a`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(parseSse(await read.text()).map((e) => e.event.id)).toContain('evt-live');
  });
});
