import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { BackupPolicyService } from '../core/backups/backup-policy-service.ts';
import type { BucketService } from '../core/buckets/bucket-service.ts';
import { SizeDirectory } from '../core/catalogue/size-directory.ts';
import { BrokerError } from '../core/errors.ts';
import type { WebhookService } from '../core/events/webhook-service.ts';
import type { ImageService } from '../core/images/image-service.ts';
import type { LinkService } from '../core/links/link-service.ts';
import type { NetworkService } from '../core/networks/network-service.ts';
import type { AuditLog } from '../core/ports/audit-log.ts';
import type { Authorizer } from '../core/ports/authorizer.ts';
import type { EventLog, EventSink } from '../core/ports/events.ts';
import type { IdempotencyGuard } from '../core/ports/idempotency.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { BrokerMetrics } from '../core/ports/metrics.ts';
import type { PlacementEngine } from '../core/ports/placement-engine.ts';
import type { PolicyCatalogue } from '../core/ports/policy-catalogue.ts';
import type { QuotaLedger } from '../core/ports/quota-ledger.ts';
import type { OperationFeed, OperationRepository } from '../core/ports/repositories.ts';
import type { TargetCapacity } from '../core/targets/target-capacity.ts';
import type { TargetDirectory } from '../core/targets/target-directory.ts';
import type { UsageService } from '../core/usage/usage-service.ts';
import type { VmAddresses } from '../core/vms/vm-addresses.ts';
import type { VmService } from '../core/vms/vm-service.ts';
import type { VolumeService } from '../core/volumes/volume-service.ts';
import type { ApiEnv } from './context.ts';
import { audit } from './middleware/audit.ts';
import { idempotency } from './middleware/idempotency.ts';
import { authenticate, requestId } from './middleware/request-context.ts';
import { requestMetrics } from './middleware/request-metrics.ts';
import { corsPolicy, securityHeaders } from './middleware/security-headers.ts';
import { withStandardResponses } from './openapi-standard.ts';
import { problemResponse, toProblem } from './problem.ts';
import { auditRoutes } from './routes/audit.ts';
import { backupPolicyRoutes } from './routes/backup-policies.ts';
import { bucketRoutes, PRESIGN_PATH } from './routes/buckets.ts';
import { docsRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { imageRoutes } from './routes/images.ts';
import { linkRoutes } from './routes/links.ts';
import { type MetricsEndpoint, metricsRoutes } from './routes/metrics.ts';
import { networkRoutes } from './routes/networks.ts';
import { operationRoutes } from './routes/operations.ts';
import { placementRoutes } from './routes/placements.ts';
import { policyRoutes } from './routes/policies.ts';
import { quotaRoutes } from './routes/quotas.ts';
import { sizeRoutes } from './routes/sizes.ts';
import { targetDetailRoutes } from './routes/target-detail.ts';
import { targetRoutes } from './routes/targets.ts';
import { usageRoutes } from './routes/usage.ts';
import { vmAddressRoutes } from './routes/vm-addresses.ts';
import { vmRoutes } from './routes/vms.ts';
import { volumeTypeRoutes } from './routes/volume-types.ts';
import { volumeRoutes } from './routes/volumes.ts';
import { WEBHOOK_CREATE_PATH, webhookRoutes } from './routes/webhooks.ts';
import { validationError } from './validation.ts';

export interface ApiDeps {
  vms: VmService;
  volumes: VolumeService;
  buckets: BucketService;
  /** Tenant networks (`/v1/networks`). */
  networks: NetworkService;
  links: LinkService;
  /** Public addresses of VMs (`/v1/vms/{id}/addresses`); absent in compositions without them. */
  vmAddresses?: VmAddresses;
  images: ImageService;
  placement: PlacementEngine;
  operations: OperationRepository & OperationFeed;
  auditLog: AuditLog;
  targets: TargetDirectory;
  authorizer: Authorizer;
  verifier: TokenVerifier;
  idempotency: IdempotencyGuard;
  logger: Logger;
  /** Usage reports (`/v1/usage`); absent in compositions that meter nothing. */
  usage?: UsageService;
  /** Browser origins allowed to call the API (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** The event log, its sink for denials, webhooks and the stream limit (docs/events.md). */
  events: { log: EventLog; sink: EventSink; webhooks: WebhookService; streamSeconds: number };
  /** Per-tenant, per-site quotas (`/v1/quotas`). */
  quotas?: QuotaLedger;
  /** The clouds' own limits, for `GET /v1/targets/{id}`. */
  targetCapacity?: TargetCapacity;
  /** Routes mounted outside `/v1` by the embedding runtime (the sandbox endpoints, the portal). */
  mount?: (app: Hono<ApiEnv>) => void;
  /** Requests are counted and timed here (docs/metrics.md); `metricsEndpoint` serves `GET /metrics`. */
  metrics?: BrokerMetrics;
  metricsEndpoint?: MetricsEndpoint;
  /** The policy bundle in force and its tests' results, read-only (`/v1/policies`). */
  policies?: PolicyCatalogue;
  /** Scheduled backups (`/v1/backup-policies`). */
  backupPolicies?: BackupPolicyService;
}

const MUTATING = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** The broker's HTTP API (docs/design.md, API v1), the same app on Lambda and on the embedded default. */
export function createApiApp(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });

  if (deps.metrics) app.use('*', requestMetrics(deps.metrics));
  app.use('*', securityHeaders);
  app.use('*', requestId);
  app.use('*', corsPolicy(deps.corsOrigins ?? []));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new BrokerError('request.payloadTooLarge', 'request body is over 64 KiB');
      },
    }),
  );
  app.use('/v1/*', authenticate(deps.verifier));
  // 405 before the idempotency guard and audit see a request no route takes.
  app.use('/v1/*', async (c, next) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) throw methodNotAllowed(c.req.method, allowed);
    await next();
  });
  for (const method of MUTATING) {
    app.on(method, '/v1/*', audit(deps.auditLog, deps.logger));
    // Runs inside each route's `action` middleware, after the authorization decision.
    app.on(method, '/v1/*', idempotency(deps.idempotency, [PRESIGN_PATH, WEBHOOK_CREATE_PATH]));
  }

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/', targetRoutes(deps.targets, deps.authorizer));
  app.route('/', sizeRoutes(new SizeDirectory(deps.targets, deps.targetCapacity), deps.authorizer));
  app.route('/', volumeTypeRoutes(deps.targets, deps.authorizer));
  app.route('/', vmRoutes(deps.vms, deps.authorizer));
  app.route('/', volumeRoutes(deps.volumes, deps.authorizer));
  app.route('/', bucketRoutes(deps.buckets, deps.authorizer));
  app.route('/', networkRoutes(deps.networks, deps.authorizer));
  app.route('/', linkRoutes(deps.links, deps.authorizer));
  if (deps.vmAddresses) app.route('/', vmAddressRoutes(deps.vmAddresses, deps.authorizer));
  app.route('/', imageRoutes(deps.images, deps.authorizer));
  app.route('/', placementRoutes(deps.placement, deps.authorizer));
  app.route('/', operationRoutes(deps.operations, deps.authorizer));
  app.route('/', auditRoutes(deps.auditLog, deps.authorizer));
  if (deps.usage) app.route('/', usageRoutes(deps.usage, deps.authorizer));
  if (deps.quotas) app.route('/', quotaRoutes(deps.quotas, deps.authorizer));
  if (deps.targetCapacity)
    app.route('/', targetDetailRoutes(deps.targets, deps.targetCapacity, deps.quotas, deps.authorizer));
  if (deps.policies) app.route('/', policyRoutes(deps.policies, deps.authorizer));
  app.route('/', docsRoutes());
  if (deps.metricsEndpoint)
    app.route('/', metricsRoutes(deps.metricsEndpoint, deps.verifier, deps.authorizer));
  app.route('/', eventRoutes(deps.events.log, deps.authorizer, { streamSeconds: deps.events.streamSeconds }));
  app.route('/', webhookRoutes(deps.events.webhooks, deps.authorizer));
  if (deps.backupPolicies) app.route('/', backupPolicyRoutes(deps.backupPolicies, deps.authorizer));
  deps.mount?.(app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Hybrid cloud broker',
      version: '1.0.0',
      description:
        'One API for VMs and storage across on-prem OpenStack and AWS; PHI stays on-prem, by policy. ' +
        'Every error is application/problem+json; a method a path does not support is a 405 naming the ' +
        'allowed ones in `Allow`.',
    },
    security: [{ bearer: [] }],
  };
  let generated: unknown;
  app.get('/openapi.json', (c) => {
    generated ??= withStandardResponses(app.getOpenAPI31Document(document), {
      idempotencyExempt: [PRESIGN_PATH, WEBHOOK_CREATE_PATH],
    });
    return c.json(generated);
  });

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      const error = methodNotAllowed(c.req.method, allowed);
      return problemResponse(toProblem(error, c.req.path, c.var.requestId), { allow: allowed.join(', ') });
    }
    return problemResponse(
      toProblem(new BrokerError('route.notFound', `no route ${c.req.path}`), c.req.path, c.var.requestId),
    );
  });

  app.onError(async (error, c) => {
    const problem = toProblem(error, c.req.path, c.var.requestId);
    c.set('problemCode', problem.code);
    await recordDenial(
      deps.events.sink,
      error,
      c.var.principal?.tenant,
      c.var.requestId,
      c.var.action,
      deps.logger,
    );
    if (problem.status >= 500)
      deps.logger.error('request failed', {
        requestId: c.var.requestId,
        code: problem.code,
        error: error.name,
      });
    const headers: Record<string, string> = {};
    if (problem.status === 401) headers['www-authenticate'] = 'Bearer';
    if (error instanceof BrokerError && error.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(error.retryAfterSeconds);
    if (error instanceof BrokerError && error.code === 'request.methodNotAllowed')
      headers.allow = String(error.details?.allow ?? '');
    return problemResponse(problem, headers);
  });
  return app;
}

function methodNotAllowed(method: string, allowed: string[]): BrokerError {
  return new BrokerError(
    'request.methodNotAllowed',
    `${method} is not allowed here; use ${allowed.join(', ')}`,
    {
      details: { allow: allowed.join(', ') },
    },
  );
}

/** Methods registered for routes whose path pattern matches (for 405 and `Allow`). */
function allowedMethods(app: OpenAPIHono<ApiEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const { method, pattern } of routePatterns(app)) if (pattern.test(path)) methods.add(method);
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

const patternsByApp = new WeakMap<object, { count: number; list: { method: string; pattern: RegExp }[] }>();

/** The app's routes as regular expressions, compiled once (again only if routes were added since). */
function routePatterns(app: OpenAPIHono<ApiEnv>): { method: string; pattern: RegExp }[] {
  const cached = patternsByApp.get(app);
  if (cached && cached.count === app.routes.length) return cached.list;
  const list = app.routes
    .filter((r) => r.method !== 'ALL' && MUTATING.concat('GET').includes(r.method) && !r.path.endsWith('*'))
    .map((r) => ({
      method: r.method,
      pattern: new RegExp(`^${r.path.replace(/\/:[^/]+/g, '/[^/]+').replace(/\*/g, '.*')}$`),
    }));
  patternsByApp.set(app, { count: app.routes.length, list });
  return list;
}

/** BrokerError codes that are events of their own (placement.denied, quota.exceeded), told where they become problems. */
const DENIAL_EVENTS: Record<string, 'placement.denied' | 'quota.exceeded'> = {
  'placement.noPermittedTarget': 'placement.denied',
  'quota.exceeded': 'quota.exceeded',
};

/** A quota refusal's site, resource and figures (names and numbers from the ledger, never tenant text). */
function quotaFigures(details: Record<string, unknown> | undefined): Record<string, string | number> {
  const figures: Record<string, string | number> = {};
  for (const key of ['site', 'resource'] as const)
    if (typeof details?.[key] === 'string') figures[key] = details[key];
  for (const key of ['limit', 'used', 'reserved', 'requested'] as const)
    if (typeof details?.[key] === 'number') figures[key] = details[key];
  return figures;
}

async function recordDenial(
  sink: EventSink,
  error: unknown,
  tenant: string | undefined,
  requestId: string | undefined,
  action: string | undefined,
  logger: Logger,
): Promise<void> {
  if (!(error instanceof BrokerError) || tenant === undefined || requestId === undefined) return;
  const kind = DENIAL_EVENTS[error.code];
  if (!kind) return;
  const policies = error.details?.policies;
  try {
    // One event per request: its id derives from the request id, so a retried write stays one event.
    await sink.record({
      id: `evt-${requestId}.${kind}`,
      kind,
      tenant,
      data: {
        code: error.code,
        requestId,
        action: action ?? null,
        policies: Array.isArray(policies) ? policies.join(',') : null,
        ...quotaFigures(error.details),
      },
    });
  } catch (recordError) {
    // The client still gets its answer; the denial is in the audit trail regardless.
    logger.warn('denial event not recorded', { requestId, error: (recordError as Error).name });
  }
}
