import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { loadOrCreateDevKey, mintDevToken } from '../../auth/dev-signing-key.ts';
import type { Role } from '../../core/model/principal.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { loadConfig } from '../../runtime/config.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../runtime/local/embedded-broker.ts';
import { captureLogger } from './capture-logger.ts';
import { waitFor } from './wait-for.ts';

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
  body: any;
  text: string;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (for malformed bodies); overrides `body`. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Harness {
  base: string;
  dataDir: string;
  broker: EmbeddedBroker;
  logs: string[];
  token(tenant: string, roles: Role[], sub?: string): Promise<string>;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Polls an operation until it is finished. */
  settle(token: string, operationId: string, timeoutMs?: number): Promise<Reply['body']>;
  close(): Promise<void>;
}

export const FAST_TARGETS = resolve(import.meta.dirname, '../fixtures/targets.fast.yaml');
/** Quotas large enough not to matter to tests about something else (quota tests set their own). */
export const ROOMY_QUOTAS = resolve(import.meta.dirname, '../fixtures/quotas.roomy.yaml');

/** An embedded broker behind a real HTTP server on 127.0.0.1, with its own temporary data folder. */
export async function startHarness(
  options: { targetsFile?: string; env?: Record<string, string>; clock?: Clock } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-test-'));
  let fetcher: (request: Request) => Response | Promise<Response> = () =>
    new Response('starting', { status: 503 });
  const server = serve({ fetch: (request) => fetcher(request), port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadConfig({
    DATA_DIR: dataDir,
    HCB_TARGETS_FILE: options.targetsFile ?? FAST_TARGETS,
    HCB_PUBLIC_URL: base,
    HCB_QUOTAS_FILE: ROOMY_QUOTAS,
    ...options.env,
  });
  const logger = captureLogger();
  const broker = await startEmbeddedBroker(config, logger, options.clock ? { clock: options.clock } : {});
  fetcher = broker.app.fetch;
  const key = await loadOrCreateDevKey(dataDir);

  const call = async (method: string, path: string, o: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined = o.rawBody;
    if (body === undefined && o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: response.status, headers: response.headers, body: parsed, text };
  };

  return {
    base,
    dataDir,
    broker,
    logs: logger.lines,
    token: (tenant, roles, sub) => mintDevToken(key, { tenant, roles, ...(sub ? { sub } : {}) }),
    call,
    async settle(token, operationId, timeoutMs = 15_000) {
      const reply = await waitFor(
        () => call('GET', `/v1/operations/${operationId}`, { token }),
        (r) => r.status !== 200 || r.body.status === 'succeeded' || r.body.status === 'failed',
        { timeoutMs, intervalMs: 50, what: `operation ${operationId}` },
      );
      return reply.body;
    },
    async close() {
      await broker.close();
      server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
