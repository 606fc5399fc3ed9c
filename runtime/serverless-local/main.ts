import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { loadOrCreateDevKey, mintDevToken } from '../../auth/dev-signing-key.ts';
import { startDeployment } from './deployment.ts';

/**
 * `npm run serverless:local`: the bundles `cdk synth` builds, run the way AWS runs them — per region an
 * HTTP API with its JWT authorizer in front of the API function, the worker fed by the operations queue,
 * the reconciler on its schedule, each function in its own processes — on the AWS emulator, against the
 * loopback OpenStack and the emulator's EC2. Brings both up first (their scripts are idempotent).
 */
async function main(): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  const env = process.env;
  env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:4566';
  const emulator = env.AWS_ENDPOINT_URL;
  env.AWS_ACCESS_KEY_ID ??= 'test';
  env.AWS_SECRET_ACCESS_KEY ??= 'test';
  if (env.HCB_SERVERLESS_BRING_UP !== '0')
    for (const script of ['scripts/moto-up.sh', 'scripts/openstack-up.sh']) {
      const run = spawnSync('bash', [script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      if (run.status !== 0) throw new Error(`${script} failed (${run.status})`);
    }
  const dataDir = resolve(env.DATA_DIR ?? '.data');
  const deployment = await startDeployment({
    dataDir,
    host: env.HOST ?? '127.0.0.1',
    port: Number(env.PORT ?? 8080),
    stage: env.HCB_STAGE ?? 'dev',
    emulator,
    openstackEnvFile: env.HCB_OPENSTACK_ENV ?? '/var/lib/hcb-openstack/openstack.env',
    ...(env.HCB_CLOUD_ASSEMBLY ? { assemblyDir: resolve(env.HCB_CLOUD_ASSEMBLY) } : {}),
    ...(env.HCB_SERVERLESS_VISIBILITY_TIMEOUT
      ? { visibilityTimeoutSeconds: Number(env.HCB_SERVERLESS_VISIBILITY_TIMEOUT) }
      : {}),
    ...(env.HCB_SERVERLESS_RECONCILE_MS ? { scheduleMs: Number(env.HCB_SERVERLESS_RECONCILE_MS) } : {}),
    ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL } : {}),
  });
  const example = await mintDevToken(await loadOrCreateDevKey(dataDir), { tenant: 'demo', roles: ['app'] });
  const [first] = deployment.regions;
  process.stdout.write(
    [
      `Hybrid cloud broker (deployed shape, local) listening on ${first!.base}`,
      ...deployment.regions.map(
        (r) => `  ${r.region.padEnd(12)} ${r.base}  (API, worker on ${r.queue.url}, reconciler on schedule)`,
      ),
      `  Tables:     ${deployment.tables.join(', ')} (global, on ${emulator})`,
      `  Targets:    the loopback OpenStack (on-prem) and the emulator's EC2 (public)`,
      `  Data:       ${dataDir} (function logs in logs/)`,
      '',
      'Get a token (valid 1 hour):',
      '  npx hcb token --tenant demo --roles app',
      'Try it:',
      `  curl -H "Authorization: Bearer ${example.slice(0, 16)}…" ${first!.base}/v1/targets`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await deployment.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`hcb: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
