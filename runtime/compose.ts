import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { JSONWebKeySet } from 'jose';
import { createApiApp } from '../api/app.ts';
import type { ApiEnv } from '../api/context.ts';
import type { MetricsEndpoint } from '../api/routes/metrics.ts';
import { TokenVerifier } from '../auth/token-verifier.ts';
import { hmacSha256Hex } from '../core/audit/hash-chain.ts';
import { BackupPolicyService } from '../core/backups/backup-policy-service.ts';
import { BACKUP_SCHEDULER, runDueBackups } from '../core/backups/backup-scheduler.ts';
import { BucketService } from '../core/buckets/bucket-service.ts';
import { isBrokerError } from '../core/errors.ts';
import { ImageService } from '../core/images/image-service.ts';
import { LinkService } from '../core/links/link-service.ts';
import {
  measuredAuthorizer,
  measuredHealth,
  measuredOperations,
  measuredPlacement,
} from '../core/metrics/instrumentation.ts';
import { measuredProviders } from '../core/metrics/measured-providers.ts';
import type { Cloud } from '../core/model/target.ts';
import { NetworkService } from '../core/networks/network-service.ts';
import { vmsOnNetwork } from '../core/networks/vms-on-network.ts';
import { OperationWorker } from '../core/operations/worker.ts';
import { CircuitBreakerHealth } from '../core/placement/circuit-breaker.ts';
import type { AuditAnchor } from '../core/ports/audit-log.ts';
import type { Authorizer } from '../core/ports/authorizer.ts';
import type { BackupRunPorts } from '../core/ports/backup-policies.ts';
import { type Clock, systemClock } from '../core/ports/clock.ts';
import type { ProviderFactory, ProviderRegistry } from '../core/ports/cloud/provider.ts';
import type { FlowPolicy } from '../core/ports/flow-policy.ts';
import type { Logger } from '../core/ports/logger.ts';
import { type BrokerMetrics, NO_METRICS } from '../core/ports/metrics.ts';
import type { PlacementEngine } from '../core/ports/placement-engine.ts';
import type { OperationQueue } from '../core/ports/queue.ts';
import { vmDemand } from '../core/quotas/quota-limits.ts';
import { Reconciler } from '../core/reconcile/reconciler.ts';
import { TargetCapacity } from '../core/targets/target-capacity.ts';
import { TargetDirectory } from '../core/targets/target-directory.ts';
import { BucketSizeSampler } from '../core/usage/bucket-size-sampler.ts';
import { UsageMeter } from '../core/usage/usage-meter.ts';
import { UsageService } from '../core/usage/usage-service.ts';
import { VmAddresses } from '../core/vms/vm-addresses.ts';
import { VmService } from '../core/vms/vm-service.ts';
import { VolumeService } from '../core/volumes/volume-service.ts';
import { idempotencyTableName } from '../persistence/broker-table.ts';
import { CursorCodec } from '../persistence/cursor.ts';
import type { PolicyBundle } from '../policy-engine/bundle/policy-bundle.ts';
import { CedarAuthorizer } from '../policy-engine/cedar-authorizer.ts';
import { CedarFlowPolicy } from '../policy-engine/cedar-flow-policy.ts';
import { BundlePolicyCatalogue } from '../policy-engine/policy-catalogue.ts';
import { auditAnchorFor, auditKeySecretFor } from './audit-integrity.ts';
import type { BrokerConfig } from './config.ts';
import { cronSchedule } from './cron-schedule.ts';
import { createEventParts, type EventParts } from './events.ts';
import { heldRecord } from './held-record.ts';
import { idempotencyGuardOnFirstUse } from './idempotency-on-first-use.ts';
import { OPERATION_DEFINITIONS } from './operation-definitions.ts';
import { cedarPlacementService } from './placement.ts';
import { buildProviderRegistry } from './provider-registry.ts';
import { type BrokerStores, createStores } from './stores.ts';
import { type ConfigFiles, configFilesFromYaml } from './validated-config.ts';

export interface BrokerParts {
  config: BrokerConfig;
  /** The validated policy bundle (Cedar schema and policies, targets, tenants): see policy-engine/. */
  bundle: PolicyBundle;
  dynamo: DynamoDBClient;
  queue: OperationQueue;
  /** Keys tokens are verified with: the IdP's JWKS URL, or an in-memory set (embedded dev key). */
  jwks: URL | JSONWebKeySet;
  /** The server secret list cursors are signed with (a file in DATA_DIR, or Secrets Manager on AWS). */
  cursorSecret: Buffer;
  providerFactories: Partial<Record<Cloud, ProviderFactory>>;
  logger: Logger;
  workerId: string;
  clock?: Clock;
  /** Where the audit chain's head is anchored; by default from `config.auditAnchor`. */
  auditAnchor?: AuditAnchor;
  mount?: (app: Hono<ApiEnv>, providers: ProviderRegistry, authorizer: Authorizer) => void;
  /** Where observations go (docs/metrics.md): Prometheus on the embedded default, EMF on Lambda. */
  metrics?: BrokerMetrics;
  metricsEndpoint?: MetricsEndpoint;
  /** Quota defaults and rate card validated at build time (validated-config.ts); else read from YAML now. */
  configFiles?: ConfigFiles;
}

export interface Broker {
  app: OpenAPIHono<ApiEnv>;
  worker: OperationWorker;
  reconciler: Reconciler;
  providers: ProviderRegistry;
  placement: PlacementEngine;
  stores: BrokerStores;
  metrics: BrokerMetrics;
  /** The event outbox: recorder (EventSink), relay, webhooks, delivery pass. */
  events: EventParts;
  close(): Promise<void>;
}

/** Wires the broker from its parts: the one composition root for the embedded default and Lambda. */
export async function createBroker(parts: BrokerParts): Promise<Broker> {
  const { config, bundle, dynamo, queue, logger } = parts;
  const { catalogue } = bundle;
  const clock = parts.clock ?? systemClock;
  const metrics = parts.metrics ?? NO_METRICS;
  const configFiles = parts.configFiles ?? (await configFilesFromYaml(config, catalogue));
  const created = createStores(
    config,
    dynamo,
    clock,
    new CursorCodec(parts.cursorSecret),
    { anchor: parts.auditAnchor ?? auditAnchorFor(config), log: logger },
    configFiles.quotaDefaults,
  );
  const stores = { ...created, operations: measuredOperations(created.operations, metrics, clock) };
  // The event outbox (EventSink for denials and drift, relay, webhooks): see docs/events.md.
  const events = createEventParts(config, stores, clock, logger);
  // Read on first use: only the API presigns, and only its role may read the secret.
  let auditKeySecret: Promise<string> | undefined;
  const registry = await buildProviderRegistry(catalogue, parts.providerFactories);
  const providers = measuredProviders(registry, metrics);
  // Shared by every process of the deployment through the broker table.
  const health = measuredHealth(
    new CircuitBreakerHealth(clock, stores.targetHealth),
    metrics,
    catalogue.targets.map((t) => t.id),
    () => clock.now().getTime(),
  );
  const placement = measuredPlacement(
    cedarPlacementService(bundle, health, clock, { quotas: stores.quotas }),
    metrics,
  );
  const authorizer = measuredAuthorizer(new CedarAuthorizer(bundle), metrics);
  const flows: FlowPolicy = new CedarFlowPolicy(bundle);
  const common = { operations: stores.operations, queue, clock, bindings: stores.bindings };
  const usageMeter = new UsageMeter(stores.usageRecords, catalogue.sizes, clock);

  // Scheduled backups start snapshots as a request would (quota, taint, the volume's own target), as the
  // scheduler on the policy's tenant; the run's key per volume makes a retried step start none twice.
  const asScheduler = (tenant: string, key: string) => ({
    principal: { sub: BACKUP_SCHEDULER, tenant, roles: [] },
    requestId: key,
    idempotency: { scope: `backup:${key}`, fingerprint: 'backup.run' },
  });
  const backups: BackupRunPorts = {
    policies: stores.backupPolicies,
    snapshot: async (tenant, volumeId, name, backupPolicyId, key) =>
      (await services.volumes.createSnapshot(asScheduler(tenant, key), volumeId, name, { backupPolicyId }))
        .snapshot.id,
    deleteSnapshot: async (tenant, snapshotId) => {
      await services.volumes
        .deleteSnapshot(asScheduler(tenant, `prune.${snapshotId}`), snapshotId)
        .catch((error: unknown) => {
          if (!isBrokerError(error, 'invalidState')) throw error; // already deleting
        });
    },
  };
  const worker = new OperationWorker(
    {
      ...stores,
      queue,
      providers,
      health,
      clock,
      log: logger,
      usage: usageMeter,
      backups,
      ...(config.deploymentId === undefined ? {} : { deploymentId: config.deploymentId }),
    },
    OPERATION_DEFINITIONS,
    { workerId: parts.workerId, maxRetries: config.workerMaxRetries },
  );
  const services = {
    vms: new VmService({
      ...common,
      catalogue,
      vms: stores.vms,
      images: stores.images,
      placement,
      providers,
      quotas: stores.quotas,
      networks: stores.networks,
    }),
    volumes: new VolumeService({
      ...common,
      catalogue,
      volumes: stores.volumes,
      snapshots: stores.snapshots,
      vms: stores.vms,
      placement,
      flows,
      quotas: stores.quotas,
    }),
    buckets: new BucketService({
      ...common,
      catalogue,
      buckets: stores.buckets,
      placement,
      providers,
      quotas: stores.quotas,
      objectKeyDigest: async (key) => {
        auditKeySecret ??= auditKeySecretFor(config).catch((error: unknown) => {
          auditKeySecret = undefined;
          throw error;
        });
        return hmacSha256Hex(await auditKeySecret, key);
      },
    }),
    networks: new NetworkService({
      ...common,
      catalogue,
      networks: stores.networks,
      placement,
      vmsOn: (tenant, networkId) => vmsOnNetwork(stores.vms, tenant, networkId),
    }),
    images: new ImageService({ ...common, catalogue, images: stores.images, providers, flows }),
    links: new LinkService({
      catalogue,
      links: stores.links,
      vms: stores.vms,
      operations: stores.operations,
      flows,
      runNow: (ref) => worker.run(ref),
      clock,
    }),
    vmAddresses: new VmAddresses({ catalogue, vms: stores.vms, providers, flows }),
    backupPolicies: new BackupPolicyService({ policies: stores.backupPolicies, cron: cronSchedule, clock }),
  };
  const reconciler = new Reconciler({
    ...common,
    vms: stores.vms,
    volumes: stores.volumes,
    buckets: stores.buckets,
    providers,
    log: logger,
    health,
    orphans: config.orphans,
    ...(config.deploymentId === undefined ? {} : { deploymentId: config.deploymentId }),
    events: events.sink,
    usage: usageMeter,
    workerId: parts.workerId,
    bucketSizes: new BucketSizeSampler({
      records: stores.usageRecords,
      buckets: stores.buckets,
      providers,
      clock,
      log: logger,
    }),
    quotas: {
      quotas: stores.quotas,
      demandOf: (vm) => vmDemand(catalogue, vm.size),
      record: (tenant, id) => heldRecord(stores, tenant, id),
    },
    backups: {
      runDue: () => runDueBackups({ ...common, policies: stores.backupPolicies, cron: cronSchedule }),
    },
  });
  const app = createApiApp({
    ...services,
    events,
    operations: stores.operations,
    quotas: stores.quotas,
    targetCapacity: new TargetCapacity(providers, clock),
    auditLog: stores.audit,
    targets: new TargetDirectory(catalogue, providers, health, clock),
    placement,
    authorizer,
    verifier: new TokenVerifier({
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      jwks: parts.jwks,
      maxLifetimeSeconds: config.jwt.maxLifetimeSeconds,
    }),
    corsOrigins: config.corsOrigins,
    policies: new BundlePolicyCatalogue(bundle, config.policiesDir),
    usage: new UsageService({
      records: stores.usageRecords,
      clock,
      rateCard: configFiles.rateCard,
    }),
    idempotency: idempotencyGuardOnFirstUse({
      client: dynamo,
      tableName: idempotencyTableName(config.tableName),
    }),
    logger,
    metrics,
    ...(parts.metricsEndpoint ? { metricsEndpoint: parts.metricsEndpoint } : {}),
    ...(parts.mount ? { mount: (a: Hono<ApiEnv>) => parts.mount!(a, registry, authorizer) } : {}),
  });
  return {
    app,
    worker,
    reconciler,
    providers: registry,
    placement,
    stores,
    metrics,
    events,
    close: () => registry.close(),
  };
}
