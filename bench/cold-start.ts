/**
 * `npm run bench:cold`: the Lambda functions from cold. Builds the three bundles exactly as the CDK stacks
 * deploy them (stacks/lambda-esbuild.ts) and reports their sizes; then starts the API bundle in fresh
 * Node.js processes, as Lambda does, and times import + first request against `node -e ""` spawned the
 * same way, interleaved (BENCH_N rounds, default 20).
 *
 * For comparison, in the same run: the same code bundled as the stacks did before (NodejsFunction's one
 * file, every zod locale, built-ins as ESM imports, the policies validated at start).
 * And the floor: bench/cold-floor-function.ts, the least an authenticated list does on the API's libraries,
 * bundled the same way — what no broker built on them can go below.
 *
 * The first request builds the broker (policies, Cedar, stores); `/healthz` needs nothing more, the
 * authenticated `GET /v1/vms` also fetches the IdP's JWKS (HTTP on 127.0.0.1), verifies the token, asks
 * Cedar and queries DynamoDB (dynalite in this process); a placement simulation asks Cedar's placement
 * policies too, which a Lambda function parses and rewrites on its first placement.
 */
import { copyFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import {
  API_START_BUDGET_BYTES,
  type BrokerEntry,
  bundleFunction,
  bundleModule,
  CEDAR_WASM,
  describeBundle,
  ESM_DIRNAME_DEFINE,
  ESM_REQUIRE_BANNER,
  LAMBDA_NODE_TARGET,
} from '../stacks/lambda-esbuild.ts';
import { type ProbeRequest, startBundleProbe } from '../test/support/lambda-bundle-probe.ts';
import { machine, summarize } from './stats.ts';

const N = Number(process.env.BENCH_N ?? 20);
const ENTRIES: BrokerEntry[] = ['api', 'worker', 'reconciler'];
const HEALTHZ: ProbeRequest[] = [{ method: 'GET', path: '/healthz', authenticated: false }];
const LIST_VMS: ProbeRequest[] = [{ method: 'GET', path: '/v1/vms', authenticated: true }];
/** A first request that places: Cedar's placement policies too (parsed and rewritten on first use). */
const SIMULATE: ProbeRequest[] = [
  {
    method: 'POST',
    path: '/v1/placements/simulate',
    authenticated: true,
    body: { kind: 'vm', classification: 'phi', size: 'small' },
  },
];

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

/** The API function as the stacks bundled it before: one file, no plugins, policies validated at start. */
async function bundleAsBefore(outdir: string): Promise<number> {
  const ROOT = resolve(import.meta.dirname, '..');
  const { metafile } = await build({
    entryPoints: [join(ROOT, 'functions/api.ts')],
    bundle: true,
    platform: 'node',
    target: LAMBDA_NODE_TARGET,
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    outfile: join(outdir, 'index.mjs'),
    banner: { js: ESM_REQUIRE_BANNER },
    define: ESM_DIRNAME_DEFINE,
    metafile: true,
    logLevel: 'silent',
  });
  cpSync(join(ROOT, 'policies'), join(outdir, 'policies'), {
    recursive: true,
    filter: (source) => !source.endsWith('.ts'),
  });
  copyFileSync(join(ROOT, CEDAR_WASM), join(outdir, basename(CEDAR_WASM)));
  return Object.values(metafile.outputs)[0]!.bytes;
}
const before = join(root, 'api-before');
const beforeBytes = await bundleAsBefore(before);

/** The floor: the same libraries doing the least an authenticated list needs (bench/cold-floor-function.ts). */
const floor = join(root, 'floor');
const floorBundle = describeBundle(
  floor,
  await bundleModule(join(import.meta.dirname, 'cold-floor-function.ts'), floor),
);
copyFileSync(resolve(import.meta.dirname, '..', CEDAR_WASM), join(floor, basename(CEDAR_WASM)));

type Run = Awaited<ReturnType<Awaited<ReturnType<typeof startBundleProbe>>['run']>>;
const probe = await startBundleProbe();
const api = join(root, 'api');
const empty: { wallMs: number; cpuMs: number }[] = [];
const runs = {
  healthz: [] as Run[],
  vms: [] as Run[],
  simulate: [] as Run[],
  beforeHealthz: [] as Run[],
  beforeVms: [] as Run[],
  floorVms: [] as Run[],
};
const ok = (run: Run) => {
  if (run.statuses[0] !== 200) throw new Error(`unexpected answer: ${run.statuses} ${run.bodies}`);
  return run;
};
// One unmeasured round: the file system cache warm, as on a Lambda host that has the code.
await probe.emptyNode();
await probe.run(api, HEALTHZ);
await probe.run(before, HEALTHZ);
await probe.run(floor, LIST_VMS);
for (let i = 0; i < N; i++) {
  empty.push(await probe.emptyNode());
  runs.healthz.push(ok(await probe.run(api, HEALTHZ)));
  runs.vms.push(ok(await probe.run(api, LIST_VMS)));
  runs.simulate.push(ok(await probe.run(api, SIMULATE)));
  runs.beforeHealthz.push(ok(await probe.run(before, HEALTHZ)));
  runs.beforeVms.push(ok(await probe.run(before, LIST_VMS)));
  runs.floorVms.push(ok(await probe.run(floor, LIST_VMS)));
}
await probe.close();
rmSync(root, { recursive: true, force: true });

const base = summarize(empty.map((e) => e.wallMs));
const baseCpu = summarize(empty.map((e) => e.cpuMs));
const row = (name: string, samples: Run[]) => {
  const wall = summarize(samples.map((s) => s.wallMs));
  const cpu = summarize(samples.map((s) => s.cpuMs));
  const imported = summarize(samples.map((s) => s.importMs));
  const first = summarize(samples.map((s) => s.firstMs));
  return `| ${name} | ${wall.p50.toFixed(0)} ms | ${(wall.p50 - base.p50).toFixed(0)} ms | ${(wall.p50 / base.p50).toFixed(2)} | ${cpu.p50.toFixed(0)} ms (${(cpu.p50 / baseCpu.p50).toFixed(2)}) | ${imported.p50.toFixed(0)} ms | ${first.p50.toFixed(0)} ms |`;
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
    `API start budget: ${kib(API_START_BUDGET_BYTES)}. The same API bundled as before (one file): ${kib(beforeBytes)}.`,
    `The floor (bench/cold-floor-function.ts, the API's libraries and nothing of the broker): ${kib(floorBundle.startBytes)} at start.`,
    '',
    `Fresh processes, ${N} of each, interleaved; medians. Wall = spawn to exit as the parent sees it.`,
    '',
    '| process | wall | over node -e "" | ratio | CPU (ratio) | import (in process) | import + first request (in process) |',
    '|---|---|---|---|---|---|---|',
    `| node -e "" | ${base.p50.toFixed(0)} ms | 0 ms | 1.00 | ${baseCpu.p50.toFixed(0)} ms (1.00) | | |`,
    row('API: import + GET /healthz', runs.healthz),
    row('API: import + authenticated GET /v1/vms', runs.vms),
    row('API: import + authenticated POST /v1/placements/simulate', runs.simulate),
    row('before: import + GET /healthz', runs.beforeHealthz),
    row('before: import + authenticated GET /v1/vms', runs.beforeVms),
    row('floor: import + authenticated GET /v1/vms', runs.floorVms),
    '',
  ].join('\n'),
);
