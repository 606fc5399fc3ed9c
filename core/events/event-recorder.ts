import { createHash } from 'node:crypto';
import type { Clock } from '../ports/clock.ts';
import type { BrokerEvent, EventLog, EventSink } from '../ports/events.ts';

/**
 * The EventSink for changes that have no operation to ride on (a denial, drift found by the reconciler):
 * appends straight to the tenant's log. Without an id the event's content names it, so the same change
 * recorded twice (a retried request, a second reconcile pass that finds the same drift) is one event.
 */
export class EventRecorder implements EventSink {
  readonly #log: EventLog;
  readonly #clock: Clock;

  constructor(log: EventLog, clock: Clock) {
    this.#log = log;
    this.#clock = clock;
  }

  async record(event: Omit<BrokerEvent, 'id' | 'time'> & { id?: string; time?: string }): Promise<void> {
    const id = event.id ?? `evt-${contentDigest(event)}`;
    await this.#log.append([
      {
        id,
        kind: event.kind,
        tenant: event.tenant,
        time: event.time ?? this.#clock.now().toISOString(),
        data: event.data,
      },
    ]);
  }
}

function contentDigest(event: Pick<BrokerEvent, 'kind' | 'tenant' | 'data'>): string {
  const data = Object.entries(event.data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([event.kind, event.tenant, data]))
    .digest('hex')
    .slice(0, 32);
}
