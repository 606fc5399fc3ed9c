import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Deployment, startDeployment } from '../../runtime/serverless-local/deployment.ts';
import { synthesise } from '../../runtime/serverless-local/synth.ts';
import { type BrokerUnderTest, brokerClient, cliToken } from '../e2e/spawned-broker.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** One synthesised assembly for every suite of a run (re-synthesised only when the sources change). */
const ASSEMBLY = join(tmpdir(), 'hcb-serverless-assembly');

/** Queue visibility for the suites: redeliveries in seconds, not the stack's 12 minutes. */
export const TEST_VISIBILITY_SECONDS = 8;
/** The reconciler's schedule for the suites (the stack's is five minutes). */
export const TEST_RECONCILE_MS = 4000;

export interface ServerlessBroker extends BrokerUnderTest {
  deployment: Deployment;
}

/**
 * The deployed shape as the suites drive it: the synthesised bundles in the local serverless runtime, two
 * regions on the AWS emulator, the loopback OpenStack and the emulator's EC2 as targets. `base` is the
 * first region's HTTP API. Brings up moto and OpenStack first (their scripts are idempotent).
 */
export async function startServerlessBroker(): Promise<ServerlessBroker> {
  process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:4566';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
  for (const script of ['scripts/moto-up.sh', 'scripts/openstack-up.sh']) {
    const run = spawnSync('bash', [script], { cwd: ROOT, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${script} failed (${run.status}): ${run.stderr}`);
  }
  synthesise(ASSEMBLY, 'dev');
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-serverless-'));
  const deployment = await startDeployment({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    stage: 'dev',
    emulator: process.env.AWS_ENDPOINT_URL,
    openstackEnvFile: process.env.HCB_OPENSTACK_ENV ?? '/var/lib/hcb-openstack/openstack.env',
    assemblyDir: ASSEMBLY,
    synth: false,
    visibilityTimeoutSeconds: TEST_VISIBILITY_SECONDS,
    scheduleMs: TEST_RECONCILE_MS,
    logLevel: 'WARN',
  });
  const base = deployment.regions[0]!.base;
  return {
    base,
    dataDir,
    deployment,
    token: (tenant, roles) => cliToken(dataDir, tenant, roles),
    ...brokerClient(base),
    async stop() {
      await deployment.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
