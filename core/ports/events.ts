/**
 * Events the broker tells a tenant about: delivered at least once, each with a stable id, to the tenant's
 * webhooks and to the server-sent event stream. Written with the state change they report (an outbox), so
 * a crash between the change and delivery loses nothing.
 */
export const EVENT_KINDS = [
  'operation.succeeded',
  'operation.failed',
  'vm.statusChanged',
  'placement.denied',
  'quota.exceeded',
  'drift.detected',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** One event. `data` holds ids, statuses, codes and policy ids only: never PHI or tenant free text. */
export interface BrokerEvent {
  /** Stable across redeliveries: receivers deduplicate on it. */
  id: string;
  kind: EventKind;
  tenant: string;
  /** ISO 8601 time of the state change. */
  time: string;
  data: Record<string, string | number | boolean | null>;
}

/** Where a state change's event is recorded for delivery. */
export interface EventSink {
  /**
   * Records the event durably. `id` makes a retry of the same change record the same event once; when
   * absent, the sink derives one.
   */
  record(event: Omit<BrokerEvent, 'id' | 'time'> & { id?: string; time?: string }): Promise<void>;
}
