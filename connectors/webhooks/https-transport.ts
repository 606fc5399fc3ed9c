import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { BrokerError, isBrokerError } from '../../core/errors.ts';
import type { BrokerEvent, DeliveryResult, Webhook, WebhookTransport } from '../../core/ports/events.ts';
import { hostOf, type WebhookAddressGuard } from './address-guard.ts';

/** The signing library (≈ 15 KiB with its SHA-256 and base64): imported for the first delivery, not at start. */
let signer: Promise<typeof import('standardwebhooks').Webhook> | undefined;
const loadSigner = () =>
  (signer ??= import('standardwebhooks').then(
    (module) => module.Webhook,
    (error: unknown) => {
      signer = undefined;
      throw error;
    },
  ));

/** The JSON body a receiver gets (Standard Webhooks' `type`, `timestamp`, `data`, plus our ids). */
export function webhookPayload(event: BrokerEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.kind,
    timestamp: event.time,
    tenant: event.tenant,
    data: event.data,
  });
}

/**
 * Delivers one event per request, signed per Standard Webhooks (`webhook-id` = the event id, so a
 * redelivery carries the same id). The address is checked again when the connection is made — on what
 * DNS answers then, not at registration — so a name re-pointed at a private address (DNS rebinding) is
 * refused, and the webhook with it. Redirects are not followed.
 */
export class HttpsWebhookTransport implements WebhookTransport {
  readonly #guard: WebhookAddressGuard;
  readonly #timeoutMs: number;

  constructor(guard: WebhookAddressGuard, options: { timeoutMs?: number } = {}) {
    this.#guard = guard;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async deliver(webhook: Webhook, event: BrokerEvent): Promise<DeliveryResult> {
    let url: URL;
    try {
      url = this.#guard.parse(webhook.url);
      if (isIP(hostOf(url))) await this.#checkedAddresses(url, hostOf(url));
    } catch (error) {
      return refusal(error);
    }
    const body = webhookPayload(event);
    const Signer = await loadSigner();
    const now = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'hybrid-cloud-broker-webhooks',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Signer(webhook.secret).sign(event.id, now, body),
    };
    const lookup: LookupFunction = (hostname, options, callback) => {
      this.#checkedAddresses(url, hostname).then(
        (addresses) => {
          const entries = addresses.map((address) => ({ address, family: isIP(address) }));
          if (options.all) callback(null, entries);
          else callback(null, entries[0]!.address, entries[0]!.family);
        },
        (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<DeliveryResult>((resolve) => {
      const request = client.request(
        url,
        { method: 'POST', headers, lookup, timeout: this.#timeoutMs },
        (response) => {
          response.resume(); // the body is never read into the broker (no echo of what a receiver says)
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ ok: true });
          // 410 Gone: the receiver says this endpoint is retired (Standard Webhooks guidance).
          else resolve({ ok: false, reason: `HTTP ${status}`, permanent: status === 410 });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => {
        if (isBrokerError(error, 'urlRefused')) resolve(refusal(error));
        else resolve({ ok: false, reason: networkReason(error) });
      });
      request.end(body);
    });
  }

  async #checkedAddresses(url: URL, hostname: string): Promise<string[]> {
    const addresses = await this.#guard.resolveAllowed(hostname);
    if (url.protocol === 'http:' && !this.#guard.httpAllowed(addresses))
      throw new BrokerError(
        'webhook.urlRefused',
        'webhook URL refused: plain http to a non-loopback address',
      );
    return addresses;
  }
}

function refusal(error: unknown): DeliveryResult {
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, reason: message, permanent: true };
}

function networkReason(error: Error & { code?: string }): string {
  if (error.message === 'timeout') return 'timeout';
  return error.code ? `network error ${error.code}` : 'network error';
}
