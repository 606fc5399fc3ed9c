/**
 * `npm run bench:outbox`: what the event outbox costs a VM create, in one process on the embedded store.
 *
 * - the finishing write of an operation with its outbox (two events: operation.succeeded and
 *   vm.statusChanged) against the same write without it — the only change the outbox makes to the
 *   state-changing path;
 * - the relay's work per operation (append both events to the tenant's log, clear the outbox), which runs
 *   off the request path;
 * - both against `POST /v1/vms` itself (worker paused), measured interleaved in the same process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-signing-key.ts';
import { finishingEvents } from '../core/events/operation-events.ts';
import type { Operation } from '../core/model/operation.ts';
import { silentLogger } from '../core/ports/logger.ts';
import { loadConfig } from '../runtime/config.ts';
import { startEmbeddedBroker } from '../runtime/local/embedded-broker.ts';
import { machine, ms, summarize } from './stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 500);
const WARMUP = 100;

const dataDir = mkdtempSync(join(tmpdir(), 'hcb-bench-outbox-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  HCB_TARGETS_FILE: join(ROOT, 'test/fixtures/targets.fast.yaml'),
});
const broker = await startEmbeddedBroker(config, silentLogger);
await broker.queue.close(); // the worker is paused: operations stay as the request wrote them
const { operations, eventLog } = broker.stores;
const token = await mintDevToken(await loadOrCreateDevKey(dataDir), { tenant: 'bench', roles: ['app'] });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

let created = 0;
const post = async (): Promise<string> => {
  const response = await broker.app.request('/v1/vms', {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: `bench-${created++}`,
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'internal',
    }),
  });
  if (response.status !== 202) throw new Error(`POST /v1/vms answered ${response.status}`);
  return ((await response.json()) as { operation: { id: string } }).operation.id;
};
const load = async (id: string) => (await operations.get('bench', id))!;
const finished = (op: Operation): Operation => ({ ...op, status: 'succeeded', lease: undefined });
const withOutbox = (op: Operation): Operation => {
  const done = finished(op);
  return {
    ...done,
    outbox: finishingEvents(
      { ...done, subjectStatusAtStart: 'pending' },
      'succeeded',
      'active',
      op.updatedAt,
    ),
  };
};

const samples = {
  post: [] as number[],
  plain: [] as number[],
  outbox: [] as number[],
  relay: [] as number[],
};
const timed = async <T>(into: number[], fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const result = await fn();
  into.push(performance.now() - t);
  return result;
};
for (let i = 0; i < WARMUP + N; i++) {
  const warm = i < WARMUP;
  const sink = (name: keyof typeof samples) => (warm ? [] : samples[name]);
  const a = await timed(sink('post'), post);
  const b = await post();
  const opA = await load(a);
  const opB = await load(b);
  await timed(sink('plain'), () => operations.save(finished(opA)));
  const saved = await timed(sink('outbox'), () => operations.save(withOutbox(opB)));
  await timed(sink('relay'), async () => {
    await eventLog.append(saved.outbox!);
    await operations.clearOutbox(saved.tenant, saved.id);
  });
}
await broker.close();
rmSync(dataDir, { recursive: true, force: true });

const s = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)])) as Record<
  keyof typeof samples,
  ReturnType<typeof summarize>
>;
const r = (a: number, b: number) => (a / b).toFixed(2);
process.stdout.write(
  [
    `Machine: ${machine()}`,
    `${N} creates, interleaved, one process, embedded dynalite store:`,
    '',
    '| measure | p50 | p99 | p50 ratio | p99 ratio |',
    '|---|---|---|---|---|',
    `| POST /v1/vms (request path) | ${ms(s.post.p50)} | ${ms(s.post.p99)} | 1.00 | 1.00 |`,
    `| finishing put, no outbox | ${ms(s.plain.p50)} | ${ms(s.plain.p99)} | ${r(s.plain.p50, s.post.p50)} | ${r(s.plain.p99, s.post.p99)} |`,
    `| finishing put with its outbox (2 events) | ${ms(s.outbox.p50)} | ${ms(s.outbox.p99)} | ${r(s.outbox.p50, s.post.p50)} | ${r(s.outbox.p99, s.post.p99)} |`,
    `| relay per operation (append 2 events, clear) | ${ms(s.relay.p50)} | ${ms(s.relay.p99)} | ${r(s.relay.p50, s.post.p50)} | ${r(s.relay.p99, s.post.p99)} |`,
    '',
    `Outbox put / plain put: p50 ${r(s.outbox.p50, s.plain.p50)}, p99 ${r(s.outbox.p99, s.plain.p99)}; ` +
      `added to the state-changing path per create: p50 ${ms(s.outbox.p50 - s.plain.p50)} ` +
      `(${((100 * (s.outbox.p50 - s.plain.p50)) / s.post.p50).toFixed(1)}% of POST /v1/vms).`,
    '',
  ].join('\n'),
);
