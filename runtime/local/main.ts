import { serve } from '@hono/node-server';
import { loadOrCreateDevKey, mintDevToken } from '../../auth/dev-signing-key.ts';
import { BrokerError } from '../../core/errors.ts';
import { loadConfig } from '../config.ts';
import { powertoolsLogger } from '../logger.ts';
import { answerClientErrorsAsProblems } from './client-errors.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';
import { type ExposedGc, startIdleMemoryRelease } from './idle-memory-release.ts';

/**
 * `npm start`: the broker on its embedded default — API, worker, reconciler and sandbox clouds in this
 * process, state under DATA_DIR (default ./.data), listening on PORT (default 8080).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = powertoolsLogger('hcb-embedded', process.env.LOG_LEVEL ?? 'WARN');
  const broker = await startEmbeddedBroker(config, logger);
  const reconcile = setInterval(() => void broker.reconciler.run().catch(() => undefined), 60_000);
  reconcile.unref();
  // `npm start` passes --expose-gc for this: unused heap pages handed back once requests stop.
  const idleRelease = startIdleMemoryRelease((globalThis as { gc?: ExposedGc }).gc);
  const fetch: typeof broker.app.fetch = (...request) => {
    idleRelease.noteRequest();
    return broker.app.fetch(...request);
  };
  const server = serve(
    { fetch, port: config.port, hostname: process.env.HOST ?? '127.0.0.1' },
    async (info) => {
      const base = `http://${info.address}:${info.port}`;
      const sandboxed = broker.providers
        .all()
        .filter((p) => p.target.cloud === 'sandbox')
        .map((p) => p.target.id);
      const example = await mintDevToken(await loadOrCreateDevKey(config.dataDir), {
        tenant: 'demo',
        roles: ['app'],
      });
      process.stdout.write(
        [
          `Hybrid cloud broker (embedded default) listening on ${base}`,
          `  API docs:   ${base}/docs  (OpenAPI: ${base}/openapi.json)`,
          `  Portal:     ${base}/`,
          `  Data:       ${config.dataDir}`,
          sandboxed.length > 0
            ? `  Targets:    ${sandboxed.join(', ')} — SIMULATION: the in-process sandbox cloud, not real clouds`
            : `  Targets:    ${broker.providers
                .all()
                .map((p) => p.target.id)
                .join(', ')}`,
          '',
          'Get a token (valid 1 hour):',
          '  npx hcb token --tenant demo --roles app',
          'Try it:',
          `  curl -H "Authorization: Bearer ${example.slice(0, 16)}…" ${base}/v1/targets`,
          '',
        ].join('\n'),
      );
    },
  );
  answerClientErrorsAsProblems(server);
  const stop = async () => {
    clearInterval(reconcile);
    idleRelease.stop();
    server.close();
    await broker.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  if (error instanceof BrokerError) process.stderr.write(`hcb: ${error.message}\n`);
  else
    process.stderr.write(`hcb: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
