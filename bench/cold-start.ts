/**
 * `npm run bench:cold`: the Lambda functions from cold. Builds the three bundles exactly as the CDK stacks
 * deploy them (stacks/lambda-esbuild.ts) and reports their sizes; then starts the API bundle in fresh
 * Node.js processes, as Lambda does, and times import + first request against `node -e ""` spawned the
 * same way, interleaved (BENCH_N rounds, default 20).
 *
 * The first request builds the broker (policies, Cedar, stores); `/healthz` needs nothing more, the
 * authenticated `GET /v1/vms` also fetches the IdP's JWKS (HTTP on 127.0.0.1), verifies the token, asks
 * Cedar and queries DynamoDB (dynalite in this process).
 */
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { API_START_BUDGET_BYTES, type BrokerEntry, bundleFunction } from '../stacks/lambda-esbuild.ts';
import { type ProbeRequest, startBundleProbe } from '../test/support/lambda-bundle-probe.ts';
import { machine, summarize } from './stats.ts';

const N = Number(process.env.BENCH_N ?? 20);
const ENTRIES: BrokerEntry[] = ['api', 'worker', 'reconciler'];
const HEALTHZ: ProbeRequest[] = [{ method: 'GET', path: '/healthz', authenticated: false }];
const LIST_VMS: ProbeRequest[] = [{ method: 'GET', path: '/v1/vms', authenticated: true }];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const root = join(tmpdir(), `hcb-bench-cold-${process.pid}`);
const loadAtStart = loadavg()[0]!;

const sizes = [];
for (const entry of ENTRIES) {
  const started = performance.now();
  const bundle = await bundleFunction(entry, join(root, entry));
  const startFiles = bundle.files.filter((f) => f.name.endsWith('.mjs'));
  const startGzip = gzipSync(
    Buffer.concat(startFiles.map((f) => readFileSync(join(root, entry, f.name)))),
  ).length;
  sizes.push({
    entry,
    start: bundle.startBytes,
    all: bundle.totalJsBytes,
    files: startFiles.length,
    gzipAll: startGzip,
    wasm: bundle.files.find((f) => f.name.endsWith('.wasm'))?.bytes ?? 0,
    buildMs: performance.now() - started,
  });
}

const probe = await startBundleProbe();
const api = join(root, 'api');
const empty: number[] = [];
const runs = {
  healthz: [] as Awaited<ReturnType<typeof probe.run>>[],
  vms: [] as Awaited<ReturnType<typeof probe.run>>[],
};
// One unmeasured round: the file system cache warm, as on a Lambda host that has the code.
await probe.emptyNodeMs();
await probe.run(api, HEALTHZ);
for (let i = 0; i < N; i++) {
  empty.push(await probe.emptyNodeMs());
  const healthz = await probe.run(api, HEALTHZ);
  const vms = await probe.run(api, LIST_VMS);
  if (healthz.statuses[0] !== 200 || vms.statuses[0] !== 200)
    throw new Error(`unexpected answers: ${healthz.statuses} ${vms.statuses} ${vms.bodies}`);
  runs.healthz.push(healthz);
  runs.vms.push(vms);
}
await probe.close();
rmSync(root, { recursive: true, force: true });

const base = summarize(empty);
const row = (name: string, samples: Awaited<ReturnType<typeof probe.run>>[]) => {
  const wall = summarize(samples.map((s) => s.wallMs));
  const imported = summarize(samples.map((s) => s.importMs));
  const first = summarize(samples.map((s) => s.firstMs));
  return `| ${name} | ${wall.p50.toFixed(0)} ms | ${(wall.p50 - base.p50).toFixed(0)} ms | ${(wall.p50 / base.p50).toFixed(2)} | ${imported.p50.toFixed(0)} ms | ${first.p50.toFixed(0)} ms |`;
};
process.stdout.write(
  [
    `Machine: ${machine()}, load average ${loadAtStart.toFixed(1)} (start) → ${loadavg()[0]!.toFixed(1)} (end)`,
    '',
    '| function | JavaScript at start | JavaScript in all (files) | all gzipped | Cedar wasm | build |',
    '|---|---|---|---|---|---|',
    ...sizes.map(
      (s) =>
        `| ${s.entry} | ${kib(s.start)} | ${kib(s.all)} (${s.files}) | ${kib(s.gzipAll)} | ${kib(s.wasm)} | ${s.buildMs.toFixed(0)} ms |`,
    ),
    '',
    `API start budget: ${kib(API_START_BUDGET_BYTES)}.`,
    '',
    `Fresh processes, ${N} of each, interleaved; medians. Wall = spawn to exit as the parent sees it.`,
    '',
    '| process | wall | over node -e "" | ratio | import (in process) | import + first request (in process) |',
    '|---|---|---|---|---|---|',
    `| node -e "" | ${base.p50.toFixed(0)} ms | 0 ms | 1.00 | | |`,
    row('API: import + GET /healthz', runs.healthz),
    row('API: import + authenticated GET /v1/vms', runs.vms),
    '',
  ].join('\n'),
);
