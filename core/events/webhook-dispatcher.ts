import type { Clock } from '../ports/clock.ts';
import type { EventLog, Webhook, WebhookRepository, WebhookTransport } from '../ports/events.ts';
import type { Logger } from '../ports/logger.ts';

export interface DispatchOptions {
  /** Consecutive failed attempts at one event before the webhook is disabled. */
  maxFailures: number;
  /** Back-off before the n-th retry: base × 2^(n−1), capped. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Events read per webhook and pass. */
  batch: number;
}

export const DEFAULT_DISPATCH: DispatchOptions = {
  maxFailures: 8,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  batch: 50,
};

export interface DispatcherDeps {
  webhooks: WebhookRepository;
  log: EventLog;
  transport: WebhookTransport;
  clock: Clock;
  logger: Logger;
}

/**
 * Delivers each tenant's log to its active webhooks, in log order, at least once: a webhook's progress
 * (`deliveredThrough`) moves only after its receiver acknowledged the event with a 2xx, so a crash in
 * between delivers that event again (same `webhook-id`). A failing receiver is retried with back-off and
 * disabled, with the reason kept, after `maxFailures` consecutive failures or a permanent refusal.
 */
export class WebhookDispatcher {
  readonly #d: DispatcherDeps;
  readonly #o: DispatchOptions;

  constructor(deps: DispatcherDeps, options: Partial<DispatchOptions> = {}) {
    this.#d = deps;
    this.#o = { ...DEFAULT_DISPATCH, ...options };
  }

  /** One pass over every active webhook; returns how many events it handled (delivered or skipped). */
  async pass(): Promise<number> {
    let handled = 0;
    for (const webhook of await this.#d.webhooks.listActive()) handled += await this.#serve(webhook);
    return handled;
  }

  async #serve(stored: Webhook): Promise<number> {
    const now = this.#d.clock.now().getTime();
    if (stored.nextAttemptAt && Date.parse(stored.nextAttemptAt) > now) return 0;
    const events = await this.#d.log.readAfter(stored.tenant, stored.deliveredThrough, this.#o.batch);
    let hook: Webhook | undefined = stored;
    let unsaved = false;
    let handled = 0;
    for (const event of events) {
      if (!hook.events.includes(event.kind)) {
        hook = { ...hook, deliveredThrough: event.position };
        unsaved = true;
        handled += 1;
        continue;
      }
      const result = await this.#d.transport.deliver(hook, event);
      if (!result.ok) {
        await this.#failed(hook, result.reason, result.permanent);
        return handled;
      }
      const { nextAttemptAt: _n, lastError: _l, ...rest } = hook;
      hook = await this.#save({ ...rest, deliveredThrough: event.position, failures: 0 });
      unsaved = false;
      handled += 1;
      if (!hook) return handled; // deleted or changed elsewhere: stop, the next pass starts afresh
    }
    if (unsaved) await this.#save(hook);
    return handled;
  }

  async #failed(hook: Webhook, reason: string, permanent = false): Promise<boolean> {
    const failures = hook.failures + 1;
    const at = this.#d.clock.now();
    if (permanent || failures >= this.#o.maxFailures) {
      const why = permanent ? reason : `${failures} consecutive failed deliveries; last: ${reason}`;
      this.#d.logger.warn('webhook disabled', { webhookId: hook.id, reason: why });
      const { nextAttemptAt: _n, ...rest } = hook;
      return (
        (await this.#save({
          ...rest,
          status: 'disabled',
          disabledReason: why,
          failures,
          lastError: reason,
        })) !== undefined
      );
    }
    const delay = Math.min(this.#o.baseDelayMs * 2 ** (failures - 1), this.#o.maxDelayMs);
    const nextAttemptAt = new Date(at.getTime() + delay).toISOString();
    return (await this.#save({ ...hook, failures, nextAttemptAt, lastError: reason })) !== undefined;
  }

  async #save(hook: Webhook): Promise<Webhook | undefined> {
    const next = { ...hook, updatedAt: this.#d.clock.now().toISOString() };
    return (await this.#d.webhooks.save(next)) ? { ...next, version: next.version + 1 } : undefined;
  }
}
