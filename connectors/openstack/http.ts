import type { Logger } from '../../core/ports/logger.ts';
import {
  networkCode,
  neverSent,
  retryAfter,
  translateHttpError,
  translateNetworkError,
} from './openstack-errors.ts';

/**
 * The one place OpenStack HTTP happens: JSON in and out, the status codes each call accepts, error
 * translation, and retries with backoff — only where a repeat cannot duplicate anything.
 */
export interface HttpOptions {
  fetch: typeof fetch;
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts for idempotent calls (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the caller gets `overLimit` with the delay. */
  maxRetryAfterSeconds: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger?: Logger;
}

export const defaultHttpOptions = (): HttpOptions => ({
  fetch: (input, init) => globalThis.fetch(input, init),
  timeoutMs: 30_000,
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryAfterSeconds: 30,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
});

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: string;
  /** PHI-free label for errors and logs: `nova.createServer`. */
  op: string;
  /** Status codes this call treats as success; any other is translated into a BrokerError. */
  accept: readonly number[];
  headers?: Record<string, string>;
  json?: unknown;
  body?: Uint8Array | string;
  /**
   * Safe to send again after an ambiguous failure. Defaults to true for GET/HEAD/PUT/DELETE (RFC 9110
   * §9.2.2) and false for POST/PATCH: a lost POST response is the caller's to resolve (lookup first, I4).
   */
  idempotent?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  text(): string;
  json<T>(): T;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

export class HttpClient {
  readonly options: HttpOptions;

  constructor(options: Partial<HttpOptions> = {}) {
    this.options = { ...defaultHttpOptions(), ...options };
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const o = this.options;
    const idempotent = req.idempotent ?? (req.method !== 'POST' && req.method !== 'PATCH');
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= o.maxAttempts;
      let response: Response;
      let bytes: Uint8Array;
      try {
        response = await o.fetch(req.url, this.#init(req));
        // Inside the try: a connection cut while the body streams is as ambiguous as one cut before.
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        const code = networkCode(error);
        // A refused connection never reached the service, so even a POST may go again.
        if (!last && (idempotent || neverSent(code))) {
          await this.#pause(attempt, undefined, req, `network ${code ?? 'error'}`);
          continue;
        }
        throw translateNetworkError(error, req.op, o.timeoutMs);
      }
      if (req.accept.includes(response.status)) return toResponse(response, bytes);
      const bodyText = new TextDecoder().decode(bytes.subarray(0, 4096));
      const error = translateHttpError({
        op: req.op,
        method: req.method,
        status: response.status,
        headers: response.headers,
        bodyText,
        idempotent,
      });
      const wait = retryAfter(response.headers, bodyText);
      const tooLong = wait !== undefined && wait > o.maxRetryAfterSeconds;
      if (!last && idempotent && RETRY_STATUSES.has(response.status) && !tooLong) {
        await this.#pause(attempt, wait, req, `HTTP ${response.status}`);
        continue;
      }
      throw error;
    }
  }

  /** Sends a request and parses its JSON answer. */
  async json<T>(req: HttpRequest): Promise<T> {
    return (await this.request(req)).json<T>();
  }

  #init(req: HttpRequest): RequestInit {
    const headers: Record<string, string> = { Accept: 'application/json', ...req.headers };
    let body: RequestInit['body'];
    if (req.json !== undefined) {
      headers['Content-Type'] ??= 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.body !== undefined) {
      body = req.body as RequestInit['body'];
    }
    return {
      method: req.method,
      headers,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs),
      redirect: 'manual',
    };
  }

  async #pause(
    attempt: number,
    retryAfterSeconds: number | undefined,
    req: HttpRequest,
    why: string,
  ): Promise<void> {
    const o = this.options;
    // Full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), never
    // shorter than what the service asked for.
    const backoff = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)) * o.random();
    const ms = Math.max(backoff, (retryAfterSeconds ?? 0) * 1000);
    o.logger?.debug('openstack retry', { op: req.op, attempt, why, delayMs: Math.round(ms) });
    await o.sleep(ms);
  }
}

function toResponse(response: Response, bytes: Uint8Array): HttpResponse {
  return {
    status: response.status,
    headers: response.headers,
    bytes,
    text: () => new TextDecoder().decode(bytes),
    json: <T>() => (bytes.length === 0 ? undefined : JSON.parse(new TextDecoder().decode(bytes))) as T,
  };
}
