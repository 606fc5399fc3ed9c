import type { BrokerEvent, EventSink } from '../../core/ports/events.ts';

/** An event sink that keeps what it is given (once per id, as the outbox does), for assertions. */
export class RecordingEventSink implements EventSink {
  readonly events: BrokerEvent[] = [];

  async record(event: Omit<BrokerEvent, 'id' | 'time'> & { id?: string; time?: string }): Promise<void> {
    const id = event.id ?? `evt-${this.events.length + 1}`;
    if (this.events.some((e) => e.id === id)) return;
    this.events.push({ ...event, id, time: event.time ?? new Date().toISOString() });
  }

  of(kind: BrokerEvent['kind'], resourceId?: string): BrokerEvent[] {
    return this.events.filter((e) => e.kind === kind && (!resourceId || e.data.resourceId === resourceId));
  }
}
