import { afterEach, describe, expect, it } from 'vitest';
import { sessionStore } from '../auth/session.ts';
import { followEvents, isLive, type StreamEvent, sseParser, staleKeys } from './event-stream.ts';

const encoder = new TextEncoder();
/** A response streaming these chunks, then ending (as the server does at its stream limit). */
function streamed(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}
const event = (position: number, kind: string, data: object) =>
  `id: ${position}\nevent: ${kind}\ndata: ${JSON.stringify({ id: `evt-${position}`, kind, data })}\n\n`;

describe('the event stream', () => {
  afterEach(() => sessionStore.set(undefined));

  it('parses events split across chunks and skips heartbeat comments', () => {
    const seen: { id?: string; event?: string; data: string }[] = [];
    const feed = sseParser((e) => seen.push(e));
    feed(': heartbeat\n\nid: 7\nevent: vm.status');
    feed('Changed\ndata: {"a":');
    feed('1}\n\n');
    expect(seen).toEqual([{ id: '7', event: 'vm.statusChanged', data: '{"a":1}' }]);
  });

  it('sends the bearer token and resumes after the last event with Last-Event-ID', async () => {
    sessionStore.set({ token: 'tok-1', via: 'development', tenant: 't', roles: ['admin'], subject: 's' });
    const requests: Headers[] = [];
    const received: StreamEvent[] = [];
    const abort = new AbortController();
    const fetcher = (async (_url: string, init: RequestInit) => {
      requests.push(new Headers(init.headers));
      if (requests.length === 1)
        return streamed([
          event(1, 'operation.succeeded', { operationId: 'op-1' }),
          event(2, 'vm.statusChanged', {}),
        ]);
      if (requests.length === 2) return streamed([event(3, 'quota.exceeded', {})]);
      abort.abort();
      throw new DOMException('aborted', 'AbortError');
    }) as unknown as typeof fetch;
    await followEvents('http://broker.test', (e) => received.push(e), abort.signal, fetcher);
    expect(requests[0]?.get('authorization')).toBe('Bearer tok-1');
    expect(requests[0]?.has('last-event-id')).toBe(false);
    expect(requests[1]?.get('last-event-id')).toBe('2');
    expect(requests[2]?.get('last-event-id')).toBe('3');
    expect(received.map((e) => e.kind)).toEqual([
      'operation.succeeded',
      'vm.statusChanged',
      'quota.exceeded',
    ]);
    expect(received[0]?.data.operationId).toBe('op-1');
  });

  it('stops and leaves the portal polling when the route is not there', async () => {
    let calls = 0;
    const fetcher = (async () => {
      calls++;
      return new Response('{}', { status: 404 });
    }) as unknown as typeof fetch;
    await followEvents('http://broker.test', () => {}, new AbortController().signal, fetcher);
    expect(calls).toBe(1);
    expect(isLive()).toBe(false);
  });

  it('marks the lists an event makes stale', () => {
    expect(
      staleKeys({
        position: '1',
        kind: 'operation.failed',
        data: { operationId: 'op-9', resourceType: 'vm' },
      }),
    ).toEqual(expect.arrayContaining([['operations'], ['operation', 'op-9'], ['vms']]));
    expect(staleKeys({ position: '2', kind: 'quota.exceeded', data: {} })).toEqual([['quotas']]);
  });
});
