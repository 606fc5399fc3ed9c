import { expect } from 'vitest';

export interface StreamedEvent {
  position: string;
  event: { id: string; kind: string; tenant: string; data: Record<string, unknown> };
}

/** Reads an SSE answer of GET /v1/events to its end, as a client would. */
export async function readStream(base: string, token: string, lastEventId?: string, query = '') {
  const response = await fetch(`${base}/v1/events${query}`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  return parseSse(await response.text());
}

/** The events of an SSE body: `id` (log position) and the JSON `data`. */
export function parseSse(text: string): StreamedEvent[] {
  const events: StreamedEvent[] = [];
  for (const block of text.split('\n\n')) {
    const id = /^id: ?(.*)$/m.exec(block)?.[1];
    const data = /^data: ?(.*)$/m.exec(block)?.[1];
    if (id && data) events.push({ position: id, event: JSON.parse(data) });
  }
  return events;
}
