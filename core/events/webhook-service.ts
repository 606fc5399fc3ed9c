import { randomBytes } from 'node:crypto';
import { BrokerError } from '../errors.ts';
import { newId } from '../ids.ts';
import { ownedOrNotFound } from '../owned.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventKind, EventLog, Webhook, WebhookRepository, WebhookUrlGuard } from '../ports/events.ts';
import type { Page, PageRequest } from '../ports/repositories.ts';

/** What a read shows of a webhook: everything but the secret and the bookkeeping. */
export type WebhookView = Omit<Webhook, 'secret' | 'version' | 'tenant'>;

export const MAX_WEBHOOKS_PER_TENANT = 10;

/** Registering, listing and removing a tenant's webhooks (its admins'). */
export class WebhookService {
  readonly #d: { webhooks: WebhookRepository; guard: WebhookUrlGuard; log: EventLog; clock: Clock };

  constructor(deps: { webhooks: WebhookRepository; guard: WebhookUrlGuard; log: EventLog; clock: Clock }) {
    this.#d = deps;
  }

  /** Registers a webhook; the answer is the only time its signing secret is shown. */
  async create(
    tenant: string,
    input: { url: string; events: EventKind[] },
  ): Promise<WebhookView & { secret: string }> {
    await this.#d.guard.check(input.url);
    const existing = await this.#d.webhooks.listForTenant(tenant, { limit: MAX_WEBHOOKS_PER_TENANT });
    if (existing.items.length >= MAX_WEBHOOKS_PER_TENANT)
      throw new BrokerError(
        'webhook.limitReached',
        `a tenant has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; delete one first`,
      );
    const now = this.#d.clock.now().toISOString();
    const webhook: Webhook = {
      id: newId('whk'),
      tenant,
      url: input.url,
      events: [...new Set(input.events)],
      secret: `whsec_${randomBytes(32).toString('base64')}`,
      status: 'active',
      // Events from now on: a new receiver is not flooded with the tenant's history.
      deliveredThrough: this.#d.log.positionNow(),
      failures: 0,
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    await this.#d.webhooks.create(webhook);
    return { ...toWebhookView(webhook), secret: webhook.secret };
  }

  async list(tenant: string, page: PageRequest): Promise<Page<WebhookView>> {
    const found = await this.#d.webhooks.listForTenant(tenant, page);
    return { ...found, items: found.items.map(toWebhookView) };
  }

  async get(tenant: string, id: string): Promise<WebhookView> {
    return toWebhookView(await ownedOrNotFound('webhook', id, this.#d.webhooks.get(tenant, id)));
  }

  async delete(tenant: string, id: string): Promise<WebhookView> {
    return toWebhookView(await ownedOrNotFound('webhook', id, this.#d.webhooks.delete(tenant, id)));
  }
}

export function toWebhookView(webhook: Webhook): WebhookView {
  const { secret: _s, version: _v, tenant: _t, ...view } = webhook;
  return view;
}
