/**
 * `npm run bench:quotas`: what the quota check adds to `POST /v1/vms` — the same route, in the same
 * process, with quotas enforced (the counters read for placement headroom, then one conditional write
 * admitting the create) and with the ledger's admission turned into no-ops. Interleaved in blocks so drift
 * affects both alike; the worker is paused, so only the request path is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-signing-key.ts';
import type { Site } from '../core/model/target.ts';
import { silentLogger } from '../core/ports/logger.ts';
import { loadConfig } from '../runtime/config.ts';
import { startEmbeddedBroker } from '../runtime/local/embedded-broker.ts';
import { machine, ms, summarize } from './stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 1000);
const WARMUP = 200;
const BLOCKS = 10;

const dataDir = mkdtempSync(join(tmpdir(), 'hcb-bench-quotas-'));
const config = loadConfig({
  DATA_DIR: dataDir,
  HCB_TARGETS_FILE: join(ROOT, 'test/fixtures/targets.fast.yaml'),
  HCB_QUOTAS_FILE: join(ROOT, 'test/fixtures/quotas.roomy.yaml'),
});
const broker = await startEmbeddedBroker(config, silentLogger);
await broker.queue.close();
const key = await loadOrCreateDevKey(dataDir);
// One tenant per variant and block keeps every tenant's counters well inside the roomy limits.
const tokens = new Map<string, string>();
const tokenFor = async (tenant: string) => {
  let token = tokens.get(tenant);
  if (!token) {
    token = await mintDevToken(key, { tenant, roles: ['app'] });
    tokens.set(tenant, token);
  }
  return token;
};
const post = async (tenant: string, i: number) => {
  const response = await broker.app.request('/v1/vms', {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(tenant)}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `bench-${i}`,
      size: 'small',
      image: 'ubuntu-24.04',
      classification: i % 2 ? 'phi' : 'public',
    }),
  });
  if (response.status !== 202)
    throw new Error(`POST /v1/vms answered ${response.status}: ${await response.text()}`);
};

// "Without quotas": the same ledger object the service and the placement engine hold, its admission off.
const ledger = broker.stores.quotas;
const real = { reserve: ledger.reserve, sitesWithRoom: ledger.sitesWithRoom };
const ALL_SITES: ReadonlySet<Site> = new Set(['onprem', 'public']);
const quotasOff = () => {
  ledger.reserve = async () => undefined;
  ledger.sitesWithRoom = async () => ALL_SITES;
};
const quotasOn = () => {
  ledger.reserve = real.reserve;
  ledger.sitesWithRoom = real.sitesWithRoom;
};

const withQuotas: number[] = [];
const without: number[] = [];
const run = async (label: 'with' | 'without', block: number, n: number, into?: number[]) => {
  if (label === 'with') quotasOn();
  else quotasOff();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await post(`bench-${label}-${block}`, i);
    into?.push(performance.now() - t);
  }
};
await run('with', -1, WARMUP / 2);
await run('without', -1, WARMUP / 2);
for (let block = 0; block < BLOCKS; block++) {
  await run('with', block, N / BLOCKS, withQuotas);
  await run('without', block, N / BLOCKS, without);
}
quotasOn();
await broker.close();
rmSync(dataDir, { recursive: true, force: true });

const a = summarize(withQuotas);
const b = summarize(without);
console.log(`machine: ${machine()}; ${N} requests per row, in ${BLOCKS} interleaved blocks`);
console.log('| measure | p50 | p99 |');
console.log('| --- | --- | --- |');
console.log(`| POST /v1/vms with quotas | ${ms(a.p50)} | ${ms(a.p99)} |`);
console.log(`| POST /v1/vms, admission off | ${ms(b.p50)} | ${ms(b.p99)} |`);
console.log(`| ratio | ${(a.p50 / b.p50).toFixed(2)} | ${(a.p99 / b.p99).toFixed(2)} |`);
