import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { JSONWebKeySet } from 'jose';
import { createApiApp } from '../api/app.ts';
import type { ApiEnv } from '../api/context.ts';
import { TokenVerifier } from '../auth/token-verifier.ts';
import { hmacSha256Hex } from '../core/audit/hash-chain.ts';
import { BucketService } from '../core/buckets/bucket-service.ts';
import { ImageService } from '../core/images/image-service.ts';
import { LinkService } from '../core/links/link-service.ts';
import type { Cloud } from '../core/model/target.ts';
import { OperationWorker } from '../core/operations/worker.ts';
import { CircuitBreakerHealth } from '../core/placement/circuit-breaker.ts';
import type { AuditAnchor } from '../core/ports/audit-log.ts';
import type { Authorizer } from '../core/ports/authorizer.ts';
import { type Clock, systemClock } from '../core/ports/clock.ts';
import type { ProviderFactory, ProviderRegistry } from '../core/ports/cloud/provider.ts';
import type { FlowPolicy } from '../core/ports/flow-policy.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { PlacementEngine } from '../core/ports/placement-engine.ts';
import type { OperationQueue } from '../core/ports/queue.ts';
import { vmDemand } from '../core/quotas/quota-limits.ts';
import { Reconciler } from '../core/reconcile/reconciler.ts';
import { TargetCapacity } from '../core/targets/target-capacity.ts';
import { TargetDirectory } from '../core/targets/target-directory.ts';
import { VmService } from '../core/vms/vm-service.ts';
import { VolumeService } from '../core/volumes/volume-service.ts';
import { idempotencyTableName } from '../persistence/broker-table.ts';
import { CursorCodec } from '../persistence/cursor.ts';
import { PowertoolsIdempotencyGuard } from '../persistence/idempotency-guard.ts';
import type { PolicyBundle } from '../policy-engine/bundle/policy-bundle.ts';
import { CedarAuthorizer } from '../policy-engine/cedar-authorizer.ts';
import { CedarFlowPolicy } from '../policy-engine/cedar-flow-policy.ts';
import { CedarPlacementEngine } from '../policy-engine/cedar-placement-engine.ts';
import { auditAnchorFor, auditKeySecretFor } from './audit-integrity.ts';
import type { BrokerConfig } from './config.ts';
import { OPERATION_DEFINITIONS } from './operation-definitions.ts';
import { buildProviderRegistry } from './provider-registry.ts';
import { heldRecord, quotaHeadroomFor } from './quota-headroom.ts';
import { type BrokerStores, createStores } from './stores.ts';

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
}

export interface Broker {
  app: OpenAPIHono<ApiEnv>;
  worker: OperationWorker;
  reconciler: Reconciler;
  providers: ProviderRegistry;
  placement: PlacementEngine;
  stores: BrokerStores;
  close(): Promise<void>;
}

/** Wires the broker from its parts: the one composition root for the embedded default and Lambda. */
export async function createBroker(parts: BrokerParts): Promise<Broker> {
  const { config, bundle, dynamo, queue, logger } = parts;
  const { catalogue } = bundle;
  const clock = parts.clock ?? systemClock;
  const stores = createStores(config, dynamo, clock, new CursorCodec(parts.cursorSecret), {
    anchor: parts.auditAnchor ?? auditAnchorFor(config),
    log: logger,
  });
  // Read on first use: only the API presigns, and only its role may read the secret.
  let auditKeySecret: Promise<string> | undefined;
  const providers = await buildProviderRegistry(catalogue, parts.providerFactories);
  // Shared by every process of the deployment through the broker table.
  const health = new CircuitBreakerHealth(clock, stores.targetHealth);
  const placement = new CedarPlacementEngine(bundle, health, clock, {
    headroom: quotaHeadroomFor(stores.quotas, catalogue),
  });
  const authorizer = new CedarAuthorizer(bundle);
  const flows: FlowPolicy = new CedarFlowPolicy(bundle);
  const common = { operations: stores.operations, queue, clock, bindings: stores.bindings };

  const worker = new OperationWorker(
    { ...stores, queue, providers, health, clock, log: logger },
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
  };
  const reconciler = new Reconciler({
    ...common,
    vms: stores.vms,
    volumes: stores.volumes,
    providers,
    log: logger,
    workerId: parts.workerId,
    quotas: {
      quotas: stores.quotas,
      demandOf: (vm) => vmDemand(catalogue, vm.size),
      record: (tenant, id) => heldRecord(stores, tenant, id),
    },
  });
  const app = createApiApp({
    ...services,
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
    idempotency: new PowertoolsIdempotencyGuard({
      client: dynamo,
      tableName: idempotencyTableName(config.tableName),
    }),
    logger,
    ...(parts.mount ? { mount: (a: Hono<ApiEnv>) => parts.mount!(a, providers, authorizer) } : {}),
  });
  return { app, worker, reconciler, providers, placement, stores, close: () => providers.close() };
}
