import { WebhookAddressGuard } from '../connectors/webhooks/address-guard.ts';
import { HttpsWebhookTransport } from '../connectors/webhooks/https-transport.ts';
import { EventRecorder } from '../core/events/event-recorder.ts';
import { OutboxRelay } from '../core/events/outbox-relay.ts';
import { WebhookDispatcher } from '../core/events/webhook-dispatcher.ts';
import { WebhookService } from '../core/events/webhook-service.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { BrokerConfig } from './config.ts';
import type { BrokerStores } from './stores.ts';

export type EventParts = ReturnType<typeof createEventParts>;

/** The event outbox's parts: the recorder (EventSink), the relay, webhook registration and delivery. */
export function createEventParts(config: BrokerConfig, stores: BrokerStores, clock: Clock, logger: Logger) {
  const guard = new WebhookAddressGuard({ allowLoopback: config.events.webhookAllowLoopback });
  const relay = new OutboxRelay({ outbox: stores.operations, log: stores.eventLog, logger });
  const dispatcher = new WebhookDispatcher(
    {
      webhooks: stores.webhooks,
      log: stores.eventLog,
      transport: new HttpsWebhookTransport(guard),
      clock,
      logger,
    },
    { maxFailures: config.events.webhookMaxFailures, baseDelayMs: config.events.webhookRetryBaseMs },
  );
  return {
    sink: new EventRecorder(stores.eventLog, clock),
    log: stores.eventLog,
    webhooks: new WebhookService({ webhooks: stores.webhooks, guard, log: stores.eventLog, clock }),
    relay,
    dispatcher,
    streamSeconds: config.events.streamSeconds,
    /** One relay-then-deliver pass (the embedded loop's tick; the Lambda functions' too); how much it did. */
    async deliverPending(): Promise<number> {
      return (await relay.pass()) + (await dispatcher.pass());
    },
  };
}

/**
 * The embedded default's delivery loop: passes never overlap; after a pass that did something the next
 * comes in `busyMs`, after idle ones the pause doubles up to `idleMaxMs` (an idle broker stays idle).
 * Errors are logged and the next tick tries again (everything a pass does is safe to repeat).
 */
export function startDeliveryLoop(
  parts: Pick<EventParts, 'deliverPending'>,
  logger: Logger,
  { busyMs = 250, idleMaxMs = 1000 } = {},
): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let pause = busyMs;
  const tick = () => {
    running = parts
      .deliverPending()
      .then((done) => {
        pause = done > 0 ? busyMs : Math.min(pause * 2, idleMaxMs);
      })
      .catch((error: unknown) => {
        logger.warn('event delivery pass failed', { error: error instanceof Error ? error.name : 'unknown' });
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, pause);
      });
  };
  timer = setTimeout(tick, busyMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
