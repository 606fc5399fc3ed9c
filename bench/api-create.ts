/**
 * `npm run bench` (part 1): warm in-process `POST /v1/vms` latency against a baseline of one direct
 * DynamoDB put through the same client, in the same process; then the bundled API function's size and
 * its import time in a fresh Node process.
 *
 * The worker is paused while measuring, so the numbers are the request path alone (validation, auth,
 * placement, idempotency claim, the writes, the audit record).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-signing-key.ts';
import { silentLogger } from '../core/ports/logger.ts';
import { documentClientFor } from '../persistence/broker-table.ts';
import { loadConfig } from '../runtime/config.ts';
import { startEmbeddedBroker } from '../runtime/local/embedded-broker.ts';
import {
  CEDAR_WASM,
  ESM_DIRNAME_DEFINE,
  ESM_REQUIRE_BANNER,
  LAMBDA_NODE_TARGET,
} from '../stacks/lambda-esbuild.ts';
import { machine, ms, summarize } from './stats.ts';

const ROOT = resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 1000);
const WARMUP = 200;

async function latency() {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-bench-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    HCB_TARGETS_FILE: join(ROOT, 'test/fixtures/targets.fast.yaml'),
    // 2,200 creates in one tenant: quotas large enough not to refuse them (bench/quota-admission.ts measures quotas).
    HCB_QUOTAS_FILE: join(ROOT, 'test/fixtures/quotas.roomy.yaml'),
  });
  const broker = await startEmbeddedBroker(config, silentLogger);
  await broker.queue.close();
  const token = await mintDevToken(await loadOrCreateDevKey(dataDir), { tenant: 'bench', roles: ['app'] });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (i: number, key?: string) => {
    const response = await broker.app.request('/v1/vms', {
      method: 'POST',
      headers: key ? { ...headers, 'idempotency-key': key } : headers,
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
  const documents = documentClientFor(broker.dynamo);
  const put = (i: number) =>
    documents.send(
      new PutCommand({
        TableName: config.tableName,
        Item: { pk: `BENCH#${i}`, sk: 'x', n: i, padding: 'x'.repeat(900) },
      }),
    );

  const time = async (fn: (i: number) => Promise<unknown>, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn(i);
      samples.push(performance.now() - t);
    }
    return summarize(samples);
  };
  // Warm both paths, then interleave the measurements in blocks so drift affects both alike.
  await time(post, WARMUP);
  await time((i) => put(1e6 + i), WARMUP);
  // Store round trips per request, and the time the request spends waiting on the store (the union of
  // its calls' intervals: the key lookup runs alongside the quota reads). The rest is the broker's own
  // time. Measured in a phase of its own, so the middleware does not touch the figures below.
  let calls = 0;
  let inFlight = 0;
  let waitingSince = 0;
  let storeMs = 0;
  broker.dynamo.middlewareStack.add(
    (next) => async (args) => {
      calls += 1;
      if (inFlight++ === 0) waitingSince = performance.now();
      try {
        return await next(args);
      } finally {
        if (--inFlight === 0) storeMs += performance.now() - waitingSince;
      }
    },
    { step: 'initialize', name: 'benchStoreTimer' },
  );
  const split = async (fn: (i: number) => Promise<unknown>, n = 200) => {
    calls = 0;
    const store: number[] = [];
    const own: number[] = [];
    for (let i = 0; i < n; i++) {
      storeMs = 0;
      const t = performance.now();
      await fn(i);
      store.push(storeMs);
      own.push(performance.now() - t - storeMs);
    }
    return { calls: calls / n, store: summarize(store), own: summarize(own) };
  };
  const storeCalls = {
    post: await split((i) => post(5e6 + i)),
    keyed: await split((i) => post(6e6 + i, `bench-count-${i}`)),
    put: await split((i) => put(7e6 + i)),
  };
  broker.dynamo.middlewareStack.remove('benchStoreTimer');
  const postSamples: number[] = [];
  const keyedSamples: number[] = [];
  const putSamples: number[] = [];
  for (let block = 0; block < 10; block++) {
    const n = N / 10;
    const base = block * n;
    for (const [fn, into] of [
      [(i: number) => post(WARMUP + base + i), postSamples],
      [(i: number) => post(WARMUP + N + base + i, `bench-key-${base + i}`), keyedSamples],
      [(i: number) => put(base + i), putSamples],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await fn(i);
        into.push(performance.now() - t);
      }
    }
  }
  await broker.close();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    post: summarize(postSamples),
    keyed: summarize(keyedSamples),
    put: summarize(putSamples),
    storeCalls,
  };
}

async function bundle() {
  const outdir = mkdtempSync(join(tmpdir(), 'hcb-bundle-'));
  const outfile = join(outdir, 'index.mjs');
  const t = performance.now();
  // The same esbuild settings the CDK stacks deploy with (stacks/lambda-esbuild.ts).
  await build({
    entryPoints: [join(ROOT, 'functions/api.ts')],
    bundle: true,
    platform: 'node',
    target: LAMBDA_NODE_TARGET,
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    outfile,
    banner: { js: ESM_REQUIRE_BANNER },
    define: ESM_DIRNAME_DEFINE,
    logLevel: 'silent',
  });
  const buildMs = performance.now() - t;
  copyFileSync(join(ROOT, CEDAR_WASM), join(outdir, basename(CEDAR_WASM)));
  const bytes = statSync(outfile).size;
  const gzipBytes = gzipSync(readFileSync(outfile)).length;
  const wasmBytes = statSync(join(outdir, basename(CEDAR_WASM))).size;
  const imports: number[] = [];
  for (let i = 0; i < 5; i++) {
    const out = execFileSync(process.execPath, [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
    ]);
    imports.push(Number(out.toString().trim()));
  }
  rmSync(outdir, { recursive: true, force: true });
  return { buildMs, bytes, gzipBytes, wasmBytes, importMs: summarize(imports) };
}

const results = await latency();
const bundled = process.env.BENCH_SKIP_BUNDLE ? undefined : await bundle();
const ratio = (a: number, b: number) => (a / b).toFixed(1);
/** What the route adds to one direct put (the targets: p50 < 1.5 ms, p99 < 3 ms). */
const over = (a: number, b: number) => ms(a - b);
process.stdout.write(
  [
    `Machine: ${machine()}`,
    `POST /v1/vms, warm, in-process, ${N} requests each (embedded dynalite store):`,
    '',
    '| measure | p50 | p99 | p50 ratio to put | p99 ratio to put | p50 over put | p99 over put |',
    '|---|---|---|---|---|---|---|',
    `| POST /v1/vms | ${ms(results.post.p50)} | ${ms(results.post.p99)} | ${ratio(results.post.p50, results.put.p50)} | ${ratio(results.post.p99, results.put.p99)} | ${over(results.post.p50, results.put.p50)} | ${over(results.post.p99, results.put.p99)} |`,
    `| POST /v1/vms with Idempotency-Key | ${ms(results.keyed.p50)} | ${ms(results.keyed.p99)} | ${ratio(results.keyed.p50, results.put.p50)} | ${ratio(results.keyed.p99, results.put.p99)} | ${over(results.keyed.p50, results.put.p50)} | ${over(results.keyed.p99, results.put.p99)} |`,
    `| baseline: one DynamoDB put, same client | ${ms(results.put.p50)} | ${ms(results.put.p99)} | 1.0 | 1.0 | | |`,
    '',
    "Where a request's time goes (200 more of each, sequential): waiting on the store (its calls' intervals",
    "joined) and everything else (the broker's own work: JWT, validation, Cedar, building items, the audit",
    "anchor's fsync).",
    '',
    '| measure | store calls | waiting on the store p50 / p99 | the rest p50 / p99 |',
    '|---|---|---|---|',
    ...(
      [
        ['POST /v1/vms', results.storeCalls.post],
        ['POST /v1/vms with Idempotency-Key', results.storeCalls.keyed],
        ['one DynamoDB put', results.storeCalls.put],
      ] as const
    ).map(
      ([name, s]) =>
        `| ${name} | ${s.calls} | ${ms(s.store.p50)} / ${ms(s.store.p99)} | ${ms(s.own.p50)} / ${ms(s.own.p99)} |`,
    ),
    '',
    `Load average: ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min)`,
    '',
    ...(bundled
      ? [
          `API function bundle (esbuild, ESM, minified): ${(bundled.bytes / 1024).toFixed(0)} KiB (${(bundled.gzipBytes / 1024).toFixed(0)} KiB gzipped) + cedar_wasm_bg.wasm ${(bundled.wasmBytes / 1024).toFixed(0)} KiB, built in ${bundled.buildMs.toFixed(0)} ms`,
          `Import time in a fresh node process (5 runs): p50 ${ms(bundled.importMs.p50)}, max ${ms(bundled.importMs.p99)}`,
          '',
        ]
      : []),
  ].join('\n'),
);
