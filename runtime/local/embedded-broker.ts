import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadOrCreateDevKey, publicJwks } from '../../auth/dev-signing-key.ts';
import { sandboxEndpoints } from '../../connectors/sandbox/sandbox-endpoints.ts';
import { reportQuotaUse } from '../../core/metrics/quota-use.ts';
import type { Logger } from '../../core/ports/logger.ts';
import { ensureTables, idempotencyTableName } from '../../persistence/broker-table.ts';
import { sweptTables } from '../../persistence/expiry-sweep.ts';
import { releaseAbandonedClaims } from '../../persistence/idempotency-guard.ts';
import { loadPolicyBundle } from '../../policy-engine/bundle/bundle-files.ts';
import { type Broker, type BrokerParts, createBroker } from '../compose.ts';
import type { BrokerConfig } from '../config.ts';
import { startDeliveryLoop } from '../events.ts';
import { PrometheusMetrics } from '../metrics/prometheus-metrics.ts';
import { defaultProviderFactories } from '../provider-factories.ts';
import { loadOrCreateCursorSecret } from './cursor-secret.ts';
import { loadOrCreateDeploymentId } from './deployment-id.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from './embedded-dynamo.ts';
import { EmbeddedQueue } from './embedded-queue.ts';
import { startExpirySweeper } from './expiry-sweeper.ts';
import { isLoopbackPeer } from './loopback-peer.ts';
import { portalRoutes } from './portal-routes.ts';
import { reconcileRoute } from './reconcile-route.ts';
import { sandboxAdminRoutes } from './sandbox-admin-routes.ts';

export interface EmbeddedBroker extends Broker {
  queue: EmbeddedQueue;
  /** The store client the broker uses (benchmarks compare against direct calls through it). */
  dynamo: DynamoDBClient;
  dynamoEndpoint: string;
  devJwks: import('jose').JSONWebKeySet;
  /** What `GET /metrics` serves. */
  metrics: PrometheusMetrics;
}

/**
 * The embedded default: API, worker and reconciler in one process, an embedded DynamoDB-compatible store
 * and the sandbox clouds persisted under the data folder. A crash loses nothing: on start, unfinished
 * operations resume (the worker id is stable per data folder, so this process may take over its own
 * leases at once).
 */
export async function startEmbeddedBroker(
  config: BrokerConfig,
  logger: Logger,
  overrides: Partial<Pick<BrokerParts, 'clock' | 'providerFactories'>> = {},
): Promise<EmbeddedBroker> {
  const embedded: EmbeddedDynamo | undefined = config.dynamoEndpoint
    ? undefined
    : await startEmbeddedDynamo(config.dataDir);
  const endpoint = config.dynamoEndpoint ?? embedded!.endpoint;
  const dynamo = new DynamoDBClient({
    endpoint,
    region: config.region === 'local' ? 'us-east-1' : config.region,
    credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
    maxAttempts: 3,
  });
  await ensureTables(dynamo, config.tableName);
  // The embedded store is this process's alone: claims in it were left by a crashed predecessor.
  if (embedded) await releaseAbandonedClaims(dynamo, idempotencyTableName(config.tableName));
  const devKey = await loadOrCreateDevKey(config.dataDir);
  const devJwks = publicJwks(devKey);
  const queue = new EmbeddedQueue(logger);
  const metrics = new PrometheusMetrics();
  metrics.beforeScrape(() => {
    const { depth, oldestAgeMs } = queue.backlog();
    metrics.queueObserved(depth, oldestAgeMs);
  });
  // Validated first: an invalid bundle stops the broker here, naming the file, line and problem.
  const bundle = loadPolicyBundle({ policiesDir: config.policiesDir, targetsFile: config.targetsFile });
  // The reconcile route is mounted while the broker is being composed; it reaches the reconciler later.
  let composed: Broker | undefined;
  const broker = await createBroker({
    config: { ...config, deploymentId: config.deploymentId ?? loadOrCreateDeploymentId(config.dataDir) },
    bundle,
    dynamo,
    queue,
    jwks: devJwks,
    cursorSecret: loadOrCreateCursorSecret(config.dataDir),
    providerFactories:
      overrides.providerFactories ??
      defaultProviderFactories(config, bundle.catalogue, join(config.dataDir, 'sandbox')),
    logger,
    metrics,
    metricsEndpoint: {
      scrape: () => metrics.scrape(),
      ...(config.metricsAccess === 'loopback' ? { trustedWithoutToken: isLoopbackPeer } : {}),
    },
    workerId: `embedded-${createHash('sha256').update(config.dataDir).digest('hex').slice(0, 12)}`,
    ...(overrides.clock ? { clock: overrides.clock } : {}),
    mount: (app, providers, authorizer) => {
      app.route(
        '/sandbox',
        sandboxEndpoints(() => providers.all()),
      );
      app.route('/', sandboxAdminRoutes(providers, authorizer));
      app.route(
        '/',
        reconcileRoute(() => composed!.reconciler, authorizer),
      );
      app.get('/.well-known/jwks.json', (c) => c.json(devJwks));
      app.route(
        '/',
        portalRoutes(devKey, {
          devSignIn: process.env.HCB_DEV_SIGN_IN !== 'off',
          publicBaseUrl: config.publicBaseUrl,
        }),
      );
    },
  });
  composed = broker;
  // Quota use is a level kept in the ledger: read it when scraped (a failed read leaves the last values).
  metrics.beforeScrape(() =>
    reportQuotaUse(broker.stores.quotas, metrics).then(
      () => undefined,
      () => undefined,
    ),
  );
  queue.attach((ref) => broker.worker.run(ref));
  await broker.reconciler.resumeUnfinished();
  const stopDelivery = startDeliveryLoop(broker.events, logger);
  // dynalite ignores TTL: without this, expired idempotency records and events would stay on disk forever.
  // Expiry times come from the system clock (idempotency, events) or the broker's (target health): an item
  // is swept only once it is past by both, so a test's clock set ahead never sweeps a live record early.
  const clock = overrides.clock;
  const expiry = embedded
    ? startExpirySweeper(
        dynamo,
        sweptTables(config.tableName, idempotencyTableName(config.tableName)),
        logger,
        clock ? { now: () => Math.min(Date.now(), clock.now().getTime()) } : {},
      )
    : undefined;
  return {
    ...broker,
    queue,
    dynamo,
    dynamoEndpoint: endpoint,
    devJwks,
    metrics,
    async close() {
      await stopDelivery();
      await expiry?.stop();
      await queue.close();
      await broker.close();
      dynamo.destroy();
      await embedded?.close();
    },
  };
}
