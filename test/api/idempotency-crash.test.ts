import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateDevKey, mintDevToken } from '../../auth/dev-signing-key.ts';
import { kill, type SpawnedBroker, startBroker } from '../support/spawned-broker.ts';
import { waitFor } from '../support/wait-for.ts';

const FAST_TARGETS = resolve(import.meta.dirname, '../fixtures/targets.fast.yaml');
/** Kills per run; `npm run test:idempotency-crash` runs a longer campaign. */
const KILLS = Number(process.env.HCB_IDEMPOTENCY_KILLS ?? 12);
/** How long a re-send may keep answering 409 (in progress) before the test gives up. */
const RESEND_DEADLINE_MS = 45_000;

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
type Reply = { status: number; body: any };

async function call(base: string, token: string, method: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });
  return { status: response.status, body: await response.json() } as Reply;
}

const createVm = (base: string, token: string, key: string, body: object) =>
  call(base, token, 'POST', '/v1/vms', {
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });

const WARM = { size: 'small', image: 'ubuntu-24.04', classification: 'internal' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * When the process dies relative to the first request: mid-request (a random point of a request's
 * measured latency, so the kill lands between the writes), right after the answer, or 0–50 ms after
 * sending.
 */
type Moment = 'beforeAnswer' | 'rightAfterAnswer' | 'random';
const MOMENTS: Moment[] = ['beforeAnswer', 'rightAfterAnswer', 'beforeAnswer', 'random'];

describe('an Idempotency-Key survives a crash of the process (I4, I5)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(`SIGKILL at varied moments of POST /v1/vms, restart, re-send: one VM per key (${KILLS} kills)`, {
    timeout: 120_000 + KILLS * 30_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hcb-idem-crash-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let broker: SpawnedBroker = await startBroker(dataDir, FAST_TARGETS);
    cleanups.push(() => kill(broker));
    const token = await mintDevToken(await loadOrCreateDevKey(dataDir), {
      tenant: 'clinic-crash',
      roles: ['app'],
      sub: 'crash-tester',
    });
    const resendWaits: number[] = [];
    let unanswered = 0;
    for (let i = 0; i < KILLS; i++) {
      const moment = MOMENTS[i % MOMENTS.length]!;
      // Keyed creates on the fresh process: the first warms it up, the second is timed.
      expect((await createVm(broker.base, token, `warm-${i}`, { ...WARM, name: `warm-${i}` })).status).toBe(
        202,
      );
      const warmStarted = Date.now();
      expect(
        (await createVm(broker.base, token, `warm-${i}-b`, { ...WARM, name: `warm-${i}-b` })).status,
      ).toBe(202);
      const latency = Date.now() - warmStarted;
      const key = `crash-key-${i}`;
      const body = {
        name: `idem-${i}-vm`,
        size: 'small',
        image: 'ubuntu-24.04',
        classification: i % 2 === 0 ? 'phi' : 'internal',
      };
      // The first request: its answer may or may not reach us before the process dies.
      const first = createVm(broker.base, token, key, body).catch(() => undefined);
      if (moment === 'rightAfterAnswer') await first;
      else
        await sleep(moment === 'beforeAnswer' ? (0.2 + 0.8 * Math.random()) * latency : Math.random() * 50);
      await kill(broker);
      const firstReply = await first;
      if (!firstReply) unanswered += 1;
      broker = await startBroker(dataDir, FAST_TARGETS);

      const started = Date.now();
      let reply = await createVm(broker.base, token, key, body);
      while (reply.status === 409 && Date.now() - started < RESEND_DEADLINE_MS) {
        await sleep(250);
        reply = await createVm(broker.base, token, key, body);
      }
      resendWaits.push(Date.now() - started);
      const what = `kill ${i} (${moment}, first answer ${firstReply?.status ?? 'none'})`;
      expect(reply.status, `${what}: ${JSON.stringify(reply.body)}`).toBe(202);
      if (firstReply?.status === 202) expect(reply.body.vm.id, what).toBe(firstReply.body.vm.id);

      const listed = await call(broker.base, token, 'GET', `/v1/vms?limit=100&name=idem-${i}-`);
      expect(
        listed.body.items.map((vm: { id: string }) => vm.id),
        `${what}: exactly one VM for the key`,
      ).toEqual([reply.body.vm.id]);
      const operation = await waitFor(
        () => call(broker.base, token, 'GET', `/v1/operations/${reply.body.operation.id}`),
        (r) => ['succeeded', 'failed'].includes(r.body.status),
        { timeoutMs: 30_000, intervalMs: 100, what: `${what}: the VM's operation` },
      );
      expect(operation.body.resource.id).toBe(reply.body.vm.id);
      expect(operation.body.status, `${what}: ${JSON.stringify(operation.body.error)}`).toBe('succeeded');
    }
    const all = await call(broker.base, token, 'GET', '/v1/vms?limit=100');
    expect(all.body.items).toHaveLength(3 * KILLS);
    // The embedded broker owns its store: a restart drops its predecessor's claims, so no re-send waits.
    console.info(
      `${unanswered} of ${KILLS} first requests died unanswered; re-sends answered in ${resendWaits.join(', ')} ms`,
    );
    expect(Math.max(...resendWaits)).toBeLessThan(5_000);
  });
});
