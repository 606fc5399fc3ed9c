import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  BROKER_ENTRIES,
  type BrokerEntry,
  type FunctionShape,
  type RegionalShape,
} from './cloud-assembly.ts';
import { FunctionPool } from './function-pool.ts';
import { httpFront } from './http-front.ts';
import { resolveValue } from './intrinsics.ts';
import { RegionProvisioner } from './provisioner.ts';
import { Scheduler } from './scheduler.ts';
import { SqsPoller } from './sqs-poller.ts';

/** What the local deployment substitutes for things that only exist in an AWS account. */
export interface RegionSettings {
  shape: RegionalShape;
  prefix: string;
  dataDir: string;
  host: string;
  port: number;
  emulator: string;
  /** The global tables' endpoint (the proxy to the home region) and the local names of the tables. */
  dynamoEndpoint: string;
  tableName: (templateName: string) => string;
  /** The local IdP standing in for the hospital's: the dev signing key's issuer, audience and JWKS. */
  idp: { issuer: string; audience: string; jwksUrl: string };
  targetsFile: string;
  secretValues: Record<string, string>;
  /** Most environments per function on this machine (below the stack's reserved concurrency). */
  maxInstances: number;
  visibilityTimeoutSeconds?: number;
  /** The reconciler's period; the template's schedule unless shortened. */
  scheduleMs?: number;
  logLevel?: string;
}

export interface RunningRegion {
  region: string;
  base: string;
  pools: Record<BrokerEntry, FunctionPool>;
  queue: { url: string; arn: string; deadLetterUrl: string };
  scheduler: Scheduler;
  /** Stops taking requests and ends every function process (a region going down). */
  stop(): Promise<void>;
  /** Deletes the region's queues, secrets and keys from the emulator (after stop). */
  destroy(): Promise<void>;
}

/** One region of the deployed shape: the HTTP API, the three functions, the queue's event source, the schedule. */
export async function startRegion(settings: RegionSettings): Promise<RunningRegion> {
  const { shape } = settings;
  const region = shape.region;
  const clients = {
    sqs: new SQSClient({ region }),
    secrets: new SecretsManagerClient({ region }),
    s3: new S3Client({ region, forcePathStyle: true }),
    kms: new KMSClient({ region }),
  };
  const provisioner = new RegionProvisioner(shape.template, clients, {
    region,
    accountId: '000000000000',
    prefix: `${settings.prefix}-${region}`,
    secretPrefix: settings.prefix,
    secretValues: settings.secretValues,
    ...(settings.visibilityTimeoutSeconds === undefined
      ? {}
      : { queueOverrides: { visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds } }),
  });
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, resolve);
  });
  const base = `http://${settings.host}:${(server.address() as AddressInfo).port}`;
  const logDir = join(settings.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const pools = {} as Record<BrokerEntry, FunctionPool>;
  for (const entry of BROKER_ENTRIES) {
    const fn = shape.functions[entry];
    const name = `${shape.stackName}-${entry}`;
    pools[entry] = new FunctionPool({
      shape: fn,
      name,
      environment: await functionEnvironment(fn, name, provisioner, settings, base),
      maxInstances: Math.max(1, Math.min(fn.reservedConcurrency, settings.maxInstances)),
      logFile: join(logDir, `${name}.log`),
    });
  }

  const front = httpFront({
    region,
    routes: shape.routes,
    authorizer: {
      issuer: settings.idp.issuer,
      audience: [settings.idp.audience],
      jwksUrl: new URL(settings.idp.jwksUrl),
    },
    api: pools.api,
    domainName: new URL(base).host,
  });
  server.on('request', (req, res) => {
    front(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  const queue = await provisioner.resource(shape.mapping.queueLogicalId);
  const redrive = shape.template.Resources[shape.mapping.queueLogicalId]?.Properties?.RedrivePolicy as {
    deadLetterTargetArn: { 'Fn::GetAtt': [string, string] };
  };
  const deadLetter = await provisioner.resource(redrive.deadLetterTargetArn['Fn::GetAtt'][0]);
  const poller = new SqsPoller({
    sqs: clients.sqs,
    region,
    queueUrl: queue.ref,
    queueArn: queue.attributes.Arn!,
    mapping: shape.mapping,
    worker: pools.worker,
    concurrency: Math.max(1, Math.min(shape.mapping.maximumConcurrency, settings.maxInstances)),
  });
  poller.start();
  const scheduler = new Scheduler(pools.reconciler, {
    everyMs: settings.scheduleMs ?? shape.scheduleMs,
    region,
    ruleArn: `arn:aws:events:${region}:000000000000:rule/${shape.stackName}-reconcile`,
    retryAttempts: 2,
  });

  return {
    region,
    base,
    pools,
    queue: { url: queue.ref, arn: queue.attributes.Arn!, deadLetterUrl: deadLetter.ref },
    scheduler,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([poller.stop(), scheduler.stop()]);
      await Promise.all(Object.values(pools).map((p) => p.close()));
    },
    async destroy() {
      await provisioner.destroy();
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/**
 * The function's environment: the template's variables with their intrinsics resolved to the emulator's
 * resources, then the local stand-ins (the IdP, the tables' local names, the task root, the catalogue),
 * then what the Lambda runtime itself sets.
 */
async function functionEnvironment(
  fn: FunctionShape,
  name: string,
  provisioner: RegionProvisioner,
  settings: RegionSettings,
  base: string,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.environment))
    env[key] = (await resolveValue(value, provisioner)).replace(/^\/var\/task(?=\/|$)/, fn.codeDir);
  if (env.HCB_TABLE_NAME) env.HCB_TABLE_NAME = settings.tableName(env.HCB_TABLE_NAME);
  Object.assign(env, {
    HCB_JWT_ISSUER: settings.idp.issuer,
    HCB_JWT_AUDIENCE: settings.idp.audience,
    HCB_JWKS_URL: settings.idp.jwksUrl,
    HCB_PUBLIC_URL: base,
    HCB_TARGETS_FILE: settings.targetsFile,
    HCB_DYNAMODB_ENDPOINT: settings.dynamoEndpoint,
    ...(settings.logLevel ? { LOG_LEVEL: settings.logLevel } : {}),
  });
  const region = settings.shape.region;
  return {
    ...env,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMiB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    LAMBDA_TASK_ROOT: fn.codeDir,
    AWS_ENDPOINT_URL: settings.emulator,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    HCB_LAMBDA_ARN: `arn:aws:lambda:${region}:000000000000:function:${name}`,
  };
}
