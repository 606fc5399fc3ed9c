import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Everything the broker reads from its environment, in one typed place. */
export interface BrokerConfig {
  /** `embedded`: one Node process with its own store and queue; `lambda`: AWS. */
  mode: 'embedded' | 'lambda';
  port: number;
  dataDir: string;
  tableName: string;
  /**
   * Tagged on every server and volume this deployment creates (`hcb:deployment`); the reconciler deletes
   * only its own orphans. Unset for the embedded broker, which keeps one in its data folder.
   */
  deploymentId?: string;
  /** DynamoDB endpoint override (moto, LocalStack); unset → the SDK's default (real AWS or embedded). */
  dynamoEndpoint?: string;
  region: string;
  /** The audit chain this instance appends to (one per broker region). */
  auditChain: string;
  /**
   * Where the chain's head is anchored outside the table: `file:///dir` (the embedded default,
   * `DATA_DIR/audit-anchor`) or `s3://bucket` (an Object Lock bucket; required on Lambda).
   */
  auditAnchor?: string;
  /**
   * The secret object keys are HMAC'd under before they reach the audit trail: `file:/path` (the embedded
   * default, `DATA_DIR/audit-key-secret`) or `secretsmanager:<arn>` (required on Lambda).
   */
  auditKeySecret?: string;
  targetsFile: string;
  policiesDir: string;
  /** Default quotas per site (docs/quotas.md); `HCB_QUOTAS_FILE`, else `<policiesDir>/quotas.yaml`. */
  quotasFile: string;
  queueUrl?: string;
  jwt: {
    issuer: string;
    audience: string;
    jwksUrl?: string;
    /** Tokens whose lifetime (exp − iat) is longer are refused: a leaked token stays useful this long at most. */
    maxLifetimeSeconds: number;
  };
  /** Browser origins allowed to call the API (CORS): the portal's, mobile web views'. Exact matches. */
  corsOrigins: string[];
  /** Retries of one operation step after retryable errors, with back-off, before it fails. */
  workerMaxRetries: number;
  /** Base URL clients reach this broker at (sandbox console and object links point here). */
  publicBaseUrl: string;
  /** What the reconciler does with orphaned servers and volumes: `delete` them or only `report` them. */
  orphans: { servers: 'delete' | 'report'; volumes: 'delete' | 'report' };
  /**
   * Who may read `GET /metrics` on the embedded default: `operator` (a token with the operator role) or
   * `loopback` (also any request without a token from this host, for a local Prometheus). docs/metrics.md.
   */
  metricsAccess: 'operator' | 'loopback';
  /** Event delivery (docs/events.md). */
  events: EventsConfig;
}

export interface EventsConfig {
  /** Webhooks may point at loopback addresses, over http too (development; embedded default only). */
  webhookAllowLoopback: boolean;
  /** Consecutive failed deliveries of one event before a webhook is disabled. */
  webhookMaxFailures: number;
  /** First retry delay of a failed delivery (doubling up to a minute). */
  webhookRetryBaseMs: number;
  /** Longest a `follow=true` event stream stays open before it ends (clients reconnect with Last-Event-ID). */
  streamSeconds: number;
  /** How old a log position must be before readers see it (covers concurrent appends and index lag). */
  settleMs: number;
}

/** One hour: what `hcb token` mints by default, and a usual IdP access-token lifetime. */
export const DEFAULT_MAX_TOKEN_LIFETIME = 3600;

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  mode: BrokerConfig['mode'] = 'embedded',
): BrokerConfig {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, not ${env.PORT}`);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'local';
  const projectRoot = resolve(import.meta.dirname, '..');
  const policiesDir = resolve(env.HCB_POLICIES_DIR ?? resolve(projectRoot, 'policies'));
  const dataDir = resolve(env.DATA_DIR ?? '.data');
  const auditAnchor =
    env.HCB_AUDIT_ANCHOR ??
    (mode === 'embedded' ? pathToFileURL(resolve(dataDir, 'audit-anchor')).href : undefined);
  const auditKeySecret =
    env.HCB_AUDIT_KEY_SECRET ??
    (mode === 'embedded' ? `file:${resolve(dataDir, 'audit-key-secret')}` : undefined);
  return {
    mode,
    port,
    dataDir,
    tableName: env.HCB_TABLE_NAME ?? 'hcb-broker',
    // On Lambda a deployment is its table (its records); the embedded broker keeps one in its data folder.
    ...(env.HCB_DEPLOYMENT_ID
      ? { deploymentId: parseDeploymentId(env.HCB_DEPLOYMENT_ID, 'HCB_DEPLOYMENT_ID') }
      : mode === 'lambda'
        ? { deploymentId: parseDeploymentId(env.HCB_TABLE_NAME ?? 'hcb-broker', 'HCB_TABLE_NAME') }
        : {}),
    ...(env.HCB_DYNAMODB_ENDPOINT ? { dynamoEndpoint: env.HCB_DYNAMODB_ENDPOINT } : {}),
    region,
    auditChain: env.HCB_AUDIT_CHAIN ?? region,
    ...(auditAnchor ? { auditAnchor } : {}),
    ...(auditKeySecret ? { auditKeySecret } : {}),
    targetsFile: resolve(env.HCB_TARGETS_FILE ?? resolve(policiesDir, 'targets.yaml')),
    policiesDir,
    quotasFile: resolve(env.HCB_QUOTAS_FILE ?? resolve(policiesDir, 'quotas.yaml')),
    ...(env.HCB_QUEUE_URL ? { queueUrl: env.HCB_QUEUE_URL } : {}),
    jwt: {
      issuer: env.HCB_JWT_ISSUER ?? 'hcb-local',
      audience: env.HCB_JWT_AUDIENCE ?? 'hcb-api',
      ...(env.HCB_JWKS_URL ? { jwksUrl: env.HCB_JWKS_URL } : {}),
      maxLifetimeSeconds: positiveInteger(env, 'HCB_MAX_TOKEN_LIFETIME_SECONDS', DEFAULT_MAX_TOKEN_LIFETIME),
    },
    corsOrigins: corsOrigins(env.HCB_CORS_ORIGINS),
    workerMaxRetries: positiveInteger(env, 'HCB_WORKER_MAX_RETRIES', 8),
    publicBaseUrl: (env.HCB_PUBLIC_URL ?? `http://127.0.0.1:${port}`).replace(/\/$/, ''),
    orphans: {
      servers: orphanAction(env, 'HCB_ORPHAN_SERVERS', 'delete'),
      volumes: orphanAction(env, 'HCB_ORPHAN_VOLUMES', 'report'),
    },
    metricsAccess: metricsAccess(env.HCB_METRICS_ACCESS),
    events: {
      webhookAllowLoopback: mode === 'embedded' && (env.HCB_WEBHOOK_ALLOW_LOOPBACK ?? '1') !== '0',
      webhookMaxFailures: positiveInteger(env, 'HCB_WEBHOOK_MAX_FAILURES', 8),
      webhookRetryBaseMs: positiveInteger(env, 'HCB_WEBHOOK_RETRY_BASE_MS', 1000),
      // On Lambda the HTTP API ends a request after 30 s and buffers the answer: stay well inside that.
      streamSeconds: positiveInteger(env, 'HCB_EVENTS_STREAM_SECONDS', mode === 'embedded' ? 300 : 20),
      settleMs: positiveInteger(env, 'HCB_EVENTS_SETTLE_MS', mode === 'embedded' ? 1000 : 5000),
    },
  };
}

/** A deployment id is a tag value every cloud takes (Nova metadata ≤ 255, EC2 tag values ≤ 256 characters). */
export function parseDeploymentId(raw: string, source: string): string {
  if (!/^[A-Za-z0-9._:-]{1,255}$/.test(raw))
    throw new Error(`${source}: a deployment id is 1–255 letters, digits, '.', '_', ':' or '-', not ${raw}`);
  return raw;
}

/** `HCB_ORPHAN_SERVERS` / `HCB_ORPHAN_VOLUMES`: `delete` or `report`. */
function orphanAction(env: NodeJS.ProcessEnv, name: string, fallback: 'delete' | 'report') {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'delete' && raw !== 'report') throw new Error(`${name} must be delete or report, not ${raw}`);
  return raw;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

function metricsAccess(raw: string | undefined): BrokerConfig['metricsAccess'] {
  if (raw === undefined || raw === '' || raw === 'operator') return 'operator';
  if (raw === 'loopback') return 'loopback';
  throw new Error(`HCB_METRICS_ACCESS must be operator or loopback, not ${raw}`);
}

/** `HCB_CORS_ORIGINS`: comma-separated origins (`https://portal.example.org,capacitor://localhost`). */
function corsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  for (const origin of origins)
    if (origin === '*' || !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(origin))
      throw new Error(`HCB_CORS_ORIGINS: ${origin} is not an origin (scheme://host[:port], no path, no *)`);
  return origins;
}
