/**
 * `npm run bench:serverless`: the synthesised bundles in the local serverless runtime (two regions on the
 * AWS emulator, the loopback OpenStack). Measures
 * - each function's cold start: a fresh environment (child process with the function's memory as
 *   `--max-old-space-size`) from spawn to its first answer — `GET /healthz` for the API, an empty SQS
 *   batch for the worker, a scheduled event (one whole reconcile pass) for the reconciler; median of 10;
 * - warm `POST /v1/vms` through the HTTP front (JWT authorizer, payload 2.0 event, warm API function),
 *   against a baseline of warm `GET /healthz` through the same front, in the same process.
 * Needs moto and OpenStack running (`scripts/moto-up.sh`, `scripts/openstack-up.sh`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROKER_ENTRIES, type BrokerEntry } from '../runtime/serverless-local/cloud-assembly.ts';
import { startDeployment } from '../runtime/serverless-local/deployment.ts';
import { FunctionPool } from '../runtime/serverless-local/function-pool.ts';
import { synthesise } from '../runtime/serverless-local/synth.ts';
import { cliToken } from '../test/e2e/spawned-broker.ts';
import { machine, ms, summarize } from './stats.ts';

const COLD = Number(process.env.BENCH_COLD ?? 10);
const WARM = Number(process.env.BENCH_N ?? 50);

process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:4566';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
const assembly = join(tmpdir(), 'hcb-serverless-assembly');
synthesise(assembly, 'dev');
const dataDir = mkdtempSync(join(tmpdir(), 'hcb-bench-serverless-'));
const deployment = await startDeployment({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  stage: 'dev',
  emulator: process.env.AWS_ENDPOINT_URL,
  openstackEnvFile: process.env.HCB_OPENSTACK_ENV ?? '/var/lib/hcb-openstack/openstack.env',
  assemblyDir: assembly,
  synth: false,
  logLevel: 'WARN',
});
const east = deployment.regions[0]!;

const events: Record<BrokerEntry, unknown> = {
  api: {
    version: '2.0',
    routeKey: 'GET /healthz',
    rawPath: '/healthz',
    rawQueryString: '',
    headers: { host: 'bench' },
    requestContext: { http: { method: 'GET', path: '/healthz', sourceIp: '127.0.0.1' }, requestId: 'bench' },
    isBase64Encoded: false,
  },
  worker: { Records: [] },
  reconciler: { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
};

const cold: Record<string, ReturnType<typeof summarize>> = {};
for (const entry of BROKER_ENTRIES) {
  const samples: number[] = [];
  for (let i = 0; i < COLD; i++) {
    const pool = new FunctionPool({ ...east.pools[entry].options, maxInstances: 1 });
    const started = performance.now();
    const result = await pool.invoke(events[entry]);
    samples.push(performance.now() - started);
    if (!result.ok) throw new Error(`${entry}: ${JSON.stringify(result.error)}`);
    await pool.close();
  }
  cold[entry] = summarize(samples);
}

const token = await cliToken(dataDir, 'bench-serverless', 'app');
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const time = async (f: () => Promise<Response>) => {
  const started = performance.now();
  const response = await f();
  await response.text();
  if (response.status >= 300) throw new Error(`HTTP ${response.status}`);
  return performance.now() - started;
};
// Warm up the API function, then measure the baseline and the create, interleaved.
await time(() => fetch(`${east.base}/healthz`));
const health: number[] = [];
const create: number[] = [];
const vms: string[] = [];
for (let i = 0; i < WARM; i++) {
  health.push(await time(() => fetch(`${east.base}/healthz`)));
  create.push(
    await time(async () => {
      const response = await fetch(`${east.base}/v1/vms`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          name: `bench-${i}`,
          size: 'small',
          image: 'ubuntu-24.04',
          classification: 'internal',
        }),
      });
      vms.push(((await response.clone().json()) as { vm: { id: string } }).vm.id);
      return response;
    }),
  );
}
const h = summarize(health);
const c = summarize(create);
process.stdout.write(
  [
    `machine: ${machine()}, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
    ...BROKER_ENTRIES.map(
      (e) =>
        `cold start ${e.padEnd(10)} (${east.pools[e].options.shape.memoryMiB} MiB): median ${ms(cold[e]!.p50)} of ${cold[e]!.n}, mean ${ms(cold[e]!.mean)}`,
    ),
    `warm GET /healthz via the front: median ${ms(h.p50)}, p99 ${ms(h.p99)} (n=${h.n})`,
    `warm POST /v1/vms via the front:  median ${ms(c.p50)}, p99 ${ms(c.p99)} (n=${c.n}); ratio to /healthz ${(c.p50 / h.p50).toFixed(1)}×`,
    '',
  ].join('\n'),
);
// Clean up: delete the VMs (the worker removes the EC2 instances), then the emulator resources.
for (const id of vms) await fetch(`${east.base}/v1/vms/${id}`, { method: 'DELETE', headers });
await new Promise((r) => setTimeout(r, 15_000));
await deployment.destroy();
rmSync(dataDir, { recursive: true, force: true });
