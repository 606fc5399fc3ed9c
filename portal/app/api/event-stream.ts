import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { sessionStore } from '../auth/session.ts';

/** One server-sent event as `GET /v1/events` writes it: `id` = log position, `data` = the event. */
export interface StreamEvent {
  position: string;
  kind: string;
  data: Record<string, string | number | boolean | null>;
}

/**
 * Splits a text/event-stream into events. Fed chunk by chunk; an event ends at a blank line, comments
 * (heartbeats) are skipped, and a chunk may end in the middle of a line.
 */
export function sseParser(onEvent: (e: { id?: string; event?: string; data: string }) => void) {
  let buffer = '';
  let current: { id?: string; event?: string; data: string[] } = { data: [] };
  return (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (current.data.length > 0)
          onEvent({ id: current.id, event: current.event, data: current.data.join('\n') });
        current = { data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') current.data.push(value);
        else if (field === 'id') current.id = value;
        else if (field === 'event') current.event = value;
      }
    }
  };
}

type Live = 'connecting' | 'live' | 'unavailable';
let live: Live = 'connecting';
const listeners = new Set<() => void>();
function setLive(next: Live) {
  if (live === next) return;
  live = next;
  for (const l of listeners) l();
}

/** Whether the event stream is being followed now; the data hooks poll only while it is not. */
export function useLiveEvents(): Live {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => live,
  );
}
export const isLive = () => live === 'live';

/**
 * Follows `GET /v1/events` with fetch streaming (EventSource cannot send the bearer token) and resumes
 * after the last event received with `Last-Event-ID` when the server ends the stream or the network drops.
 * A route that is not there (404/501) or refuses (401/403) leaves the portal polling.
 */
export async function followEvents(
  baseUrl: string,
  onEvent: (e: StreamEvent) => void,
  signal: AbortSignal,
  fetcher: typeof fetch = fetch,
): Promise<void> {
  let lastId: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    const token = sessionStore.get()?.token;
    try {
      const response = await fetcher(`${baseUrl}/v1/events?follow=true`, {
        signal,
        headers: {
          accept: 'text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(lastId ? { 'last-event-id': lastId } : {}),
        },
      });
      if (!response.ok || !response.body) {
        setLive('unavailable');
        if ([401, 403, 404, 405, 501].includes(response.status)) return;
        throw new Error(`events: HTTP ${response.status}`);
      }
      setLive('live');
      failures = 0;
      const parse = sseParser((e) => {
        if (e.id) lastId = e.id;
        try {
          const body = JSON.parse(e.data) as { kind?: string; data?: StreamEvent['data'] };
          onEvent({ position: e.id ?? '', kind: e.event ?? body.kind ?? '', data: body.data ?? {} });
        } catch {
          // A malformed event is skipped; the lists still refresh on the next one.
        }
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parse(value);
      }
    } catch {
      if (signal.aborted) return;
      setLive('unavailable');
      failures++;
    }
    // The server ends a stream at its limit: reconnect at once; after failures, back off (max 30 s).
    if (failures > 0) await sleep(Math.min(30_000, 1000 * 2 ** failures), signal);
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Which cached queries an event makes stale. */
export function staleKeys(event: StreamEvent): unknown[][] {
  const keys: unknown[][] = [];
  if (event.kind.startsWith('operation.')) {
    keys.push(['operations']);
    if (typeof event.data.operationId === 'string') keys.push(['operation', event.data.operationId]);
    const type = event.data.resourceType;
    if (type === 'vm') keys.push(['vms']);
    if (type === 'volume' || type === 'snapshot') keys.push(['volumes'], ['snapshots']);
    if (type === 'bucket') keys.push(['buckets']);
    if (type === 'image') keys.push(['images']);
    if (type === 'link') keys.push(['links']);
    keys.push(['quotas']);
  }
  if (event.kind === 'vm.statusChanged') keys.push(['vms']);
  if (event.kind === 'quota.exceeded') keys.push(['quotas']);
  if (event.kind === 'placement.denied' || event.kind === 'drift.detected') keys.push(['audit'], ['vms']);
  return keys;
}

/** Mounted once while signed in: follows the stream and refreshes what each event makes stale. */
export function useEventStream(baseUrl: string): void {
  const queries = useQueryClient();
  useEffect(() => {
    const abort = new AbortController();
    void followEvents(
      baseUrl,
      (event) => {
        for (const queryKey of staleKeys(event)) void queries.invalidateQueries({ queryKey });
      },
      abort.signal,
    );
    return () => {
      abort.abort();
      setLive('connecting');
    };
  }, [baseUrl, queries]);
}
