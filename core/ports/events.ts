import type { Operation } from '../model/operation.ts';
import type { Page, PageRequest } from './repositories.ts';

/**
 * Events the broker tells a tenant about: delivered at least once, each with a stable id, to the tenant's
 * webhooks and to the server-sent event stream. Written with the state change they report (an outbox), so
 * a crash between the change and delivery loses nothing (docs/events.md).
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

/** Operations whose finishing put carried events (the outbox), for the relay to copy into the log. */
export interface OperationOutbox {
  listWithOutbox(limit: number): Promise<Operation[]>;
  /** Drops the operation's outbox; false when the operation changed meanwhile (the next pass retries). */
  clearOutbox(tenant: string, id: string): Promise<boolean>;
}

/** An event as the tenant's log holds it: `position` orders the log (SSE ids, webhook progress). */
export interface LoggedEvent extends BrokerEvent {
  position: string;
}

/**
 * Each tenant's durable, ordered event log. An event id is appended once, however often it is offered;
 * a reader that continues after a position it was given never misses an event appended later.
 */
export interface EventLog {
  /** Appends each event not yet in its tenant's log; an id already there is left as it is. */
  append(events: readonly BrokerEvent[]): Promise<void>;
  /** Events of the tenant after `position` (all, without one), oldest first, at most `limit`. */
  readAfter(tenant: string, position: string | undefined, limit: number): Promise<LoggedEvent[]>;
  /** A position at the current time: reading after it yields only events appended from now on. */
  positionNow(): string;
}

/** Where a tenant's events go: a URL, the kinds it wants, and how delivery stands. */
export interface Webhook {
  id: string;
  tenant: string;
  url: string;
  events: EventKind[];
  /** Standard Webhooks signing secret (`whsec_…`): shown once at creation, never in a read. */
  secret: string;
  status: 'active' | 'disabled';
  /** Why delivery stopped (a status code or a refusal, never a response body). */
  disabledReason?: string;
  /** The log position delivered through: the next delivery starts after it. */
  deliveredThrough?: string;
  /** Consecutive failed attempts at the next event. */
  failures: number;
  nextAttemptAt?: string;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface WebhookRepository {
  create(webhook: Webhook): Promise<void>;
  get(tenant: string, id: string): Promise<Webhook | undefined>;
  /** One page of the tenant's webhooks, oldest first (cursors signed and bound to the tenant). */
  listForTenant(tenant: string, page: PageRequest): Promise<Page<Webhook>>;
  /** Every active webhook of every tenant (the dispatcher's work list). */
  listActive(): Promise<Webhook[]>;
  /** Writes `webhook` if the stored version still equals its version; false when it changed meanwhile. */
  save(webhook: Webhook): Promise<boolean>;
  /** Removes the webhook; answers what was removed, or undefined if there was none. */
  delete(tenant: string, id: string): Promise<Webhook | undefined>;
}

/** The outcome of one delivery attempt. */
export type DeliveryResult = { ok: true } | { ok: false; reason: string; permanent?: boolean };

/** Sends one signed event to one webhook (HTTP, with the address checks at connection time). */
export interface WebhookTransport {
  deliver(webhook: Webhook, event: BrokerEvent): Promise<DeliveryResult>;
}

/** Checks a webhook URL at registration: scheme and every address its host resolves to (SSRF). */
export interface WebhookUrlGuard {
  /** Throws `webhook.urlRefused` naming the rule, never echoing what the URL resolved to. */
  check(url: string): Promise<void>;
}
