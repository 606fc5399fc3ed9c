/**
 * `npm run bench:scale`: the broker at scale, two figures.
 *
 * 1. Inventory listing: every server of one OpenStack target holding 10,000 — the real connector's
 *    `listServers()` against an HTTP stub of Keystone and Nova on 127.0.0.1 (paged like Nova: `limit`,
 *    `marker`, a `next` link, 1,000 at most a page). Counts the HTTP calls (target: ≤ 11, under 5 s).
 * 2. Concurrent creates: 500 `POST /v1/vms` sent at once to the embedded default in this process (the
 *    worker running, sandbox targets with fast timings), then every operation followed to its end.
 *    Target: no error answer and every operation `succeeded`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-signing-key.ts';
import { silentLogger } from '../core/ports/logger.ts';
import { loadConfig } from '../runtime/config.ts';
import { startEmbeddedBroker } from '../runtime/local/embedded-broker.ts';
import { fleet, startInventoryStub, stubProvider } from '../test/support/openstack-inventory-stub.ts';
import { machine, ms, summarize } from './stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SERVERS = Number(process.env.BENCH_SERVERS ?? 10_000);
const CREATES = Number(process.env.BENCH_CREATES ?? 500);

async function inventory() {
  const { servers } = fleet(SERVERS, 'openstack-stub');
  const stub = await startInventoryStub(servers);
  const rows: { run: number; seconds: number; listed: number; calls: number }[] = [];
  // A fresh connector each run, so its token is fetched too (the call a cold listing makes).
  for (let run = 1; run <= 3; run++) {
    stub.calls.clear();
    const t0 = performance.now();
    let listed = 0;
    for await (const _ of stubProvider(stub).compute.listServers()) listed += 1;
    const seconds = (performance.now() - t0) / 1000;
    rows.push({ run, seconds, listed, calls: [...stub.calls.values()].reduce((a, b) => a + b, 0) });
  }
  const byRoute = Object.fromEntries(stub.calls);
  await stub.close();
  return { rows, byRoute };
}

async function concurrentCreates() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-scale-'));
  // The fast test catalogue with room for every VM: the sandbox's simulated capacity is not what is measured.
  const targetsFile = join(dataDir, 'targets.yaml');
  writeFileSync(
    targetsFile,
    readFileSync(join(ROOT, 'test/fixtures/targets.fast.yaml'), 'utf8').replace(
      /capacity: \{ vcpus: \d+/g,
      'capacity: { vcpus: 4096',
    ),
  );
  const config = loadConfig({
    DATA_DIR: dataDir,
    HCB_TARGETS_FILE: targetsFile,
    HCB_QUOTAS_FILE: join(ROOT, 'test/fixtures/quotas.roomy.yaml'),
  });
  const broker = await startEmbeddedBroker(config, silentLogger);
  const token = await mintDevToken(await loadOrCreateDevKey(dataDir), { tenant: 'scale', roles: ['app'] });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  const operations: string[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CREATES }, async (_, i) => {
      const started = performance.now();
      const response = await broker.app.request('/v1/vms', {
        method: 'POST',
        // Every other request carries an Idempotency-Key, so both paths are under load.
        headers: i % 2 ? { ...headers, 'idempotency-key': `scale-${i}` } : headers,
        body: JSON.stringify({
          name: `scale-${i}`,
          size: 'small',
          image: 'ubuntu-24.04',
          classification: i % 5 === 0 ? 'phi' : 'internal',
        }),
      });
      latencies.push(performance.now() - started);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const body = (await response.json()) as { operation?: { id: string } };
      if (response.status === 202 && body.operation) operations.push(body.operation.id);
    }),
  );
  const answeredSeconds = (performance.now() - t0) / 1000;
  await broker.queue.whenIdle();
  const finishedSeconds = (performance.now() - t0) / 1000;
  const outcomes = new Map<string, number>();
  for (const id of operations) {
    const status = (await broker.stores.operations.get('scale', id))?.status ?? 'missing';
    outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
  }
  const audit = await broker.stores.audit.verify();
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    statuses,
    outcomes,
    latency: summarize(latencies),
    answeredSeconds,
    finishedSeconds,
    audit,
  };
}

const listing = await inventory();
const creates = await concurrentCreates();
const count = (m: Map<unknown, number>) => [...m].map(([k, n]) => `${k}: ${n}`).join(', ');
process.stdout.write(
  [
    `Machine: ${machine()}, load average ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' / ')}`,
    '',
    `Inventory listing, ${SERVERS} servers on one OpenStack target (connector against a local stub):`,
    '',
    '| run | time | servers listed | HTTP calls |',
    '|---|---|---|---|',
    ...listing.rows.map((r) => `| ${r.run} | ${r.seconds.toFixed(2)} s | ${r.listed} | ${r.calls} |`),
    `Calls of the last run by route: ${JSON.stringify(listing.byRoute)}`,
    '',
    `${CREATES} concurrent POST /v1/vms on the embedded default (worker running):`,
    '',
    `- answers: ${count(creates.statuses)}; all answered in ${creates.answeredSeconds.toFixed(2)} s (p50 ${ms(creates.latency.p50)}, p99 ${ms(creates.latency.p99)})`,
    `- operations: ${count(creates.outcomes)}; all ended ${creates.finishedSeconds.toFixed(2)} s after the first request`,
    `- audit chain: ${creates.audit.records} records, ${creates.audit.ok ? 'verifies' : `broken: ${creates.audit.reason}`}`,
    '',
  ].join('\n'),
);
