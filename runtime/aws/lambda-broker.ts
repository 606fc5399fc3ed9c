import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OperationQueue, OperationRef } from '../../core/ports/queue.ts';
import { CURSOR_SECRET_MIN_BYTES } from '../../persistence/cursor.ts';
import { assembleBundle, bundleDigest } from '../../policy-engine/bundle/assembled-bundle.ts';
import { readBundleSources } from '../../policy-engine/bundle/read-bundle-sources.ts';
import { readValidatedBundle } from '../../policy-engine/bundle/validated-bundle.ts';
import { type Broker, createBroker } from '../compose.ts';
import { type BrokerConfig, loadConfig } from '../config.ts';
import { powertoolsLogger } from '../logger.ts';
import { EmbeddedMetricFormatMetrics } from '../metrics/emf-metrics.ts';
import { defaultProviderFactories } from '../provider-factories.ts';
import { readValidatedConfig } from '../validated-config.ts';
import { secretsManagerResolver } from './secret-resolver.ts';

let broker: Promise<Broker> | undefined;

/**
 * The broker as the Lambda functions see it: built once per execution environment (cold start) from the
 * function's environment — table, queue, IdP JWKS, bundled policies and targets.
 */
export function lambdaBroker(env: NodeJS.ProcessEnv = process.env, queue?: OperationQueue): Promise<Broker> {
  broker ??= build(loadConfig(env, 'lambda'), env, queue).catch((error: unknown) => {
    broker = undefined;
    throw error;
  });
  return broker;
}

/** Forgets the cached broker (tests build several with different environments). */
export function resetLambdaBroker(): void {
  broker = undefined;
}

async function build(
  config: BrokerConfig,
  environment: NodeJS.ProcessEnv,
  queue?: OperationQueue,
): Promise<Broker> {
  if (!config.jwt.jwksUrl) throw new Error("HCB_JWKS_URL must name the identity provider's JWKS");
  if (!config.queueUrl && !queue) throw new Error('HCB_QUEUE_URL must name the operations queue');
  const logger = powertoolsLogger('hcb');
  const dynamo = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}),
  });
  // Validated when the function was built, for exactly these files, so each policy set is parsed when a
  // request first needs it; any other bundle is validated here (that path, and the YAML parser it
  // needs, imported only then), and parsed whole.
  const sources = readBundleSources({ policiesDir: config.policiesDir, targetsFile: config.targetsFile });
  const validated = readValidatedBundle(config.policiesDir);
  const bundle =
    validated?.digest === bundleDigest(sources)
      ? assembleBundle(sources, validated, { parse: 'onFirstUse' })
      : (await import('../../policy-engine/bundle/policy-bundle.ts')).compileBundle(sources);
  const configFiles = readValidatedConfig(config, bundle.catalogue);
  const cursorSecret = await lambdaCursorSecret(environment);
  return createBroker({
    config,
    bundle,
    dynamo,
    queue: queue ?? sqsQueueOnFirstUse(config.queueUrl!),
    jwks: new URL(config.jwt.jwksUrl),
    cursorSecret,
    providerFactories: defaultProviderFactories(config, bundle.catalogue, undefined),
    logger,
    metrics: new EmbeddedMetricFormatMetrics(),
    ...(configFiles ? { configFiles } : {}),
    workerId: `lambda-${env('AWS_LAMBDA_LOG_STREAM_NAME') ?? randomUUID()}`,
  });
}

/**
 * The key list cursors are signed with: the Secrets Manager secret `HCB_CURSOR_SECRET_ARN` names (the
 * regional stack creates it with a generated value), or — for tests and emulators — the value itself in
 * `HCB_CURSOR_SECRET`. Read once per cold start; at least 32 bytes. Without one the broker refuses to start.
 */
export async function lambdaCursorSecret(
  environment: NodeJS.ProcessEnv,
  resolve: (secretId: string) => Promise<string> = secretsManagerResolver(),
): Promise<Buffer> {
  const arn = environment.HCB_CURSOR_SECRET_ARN;
  const value = arn ? await resolve(arn) : environment.HCB_CURSOR_SECRET;
  if (value === undefined)
    throw new Error('HCB_CURSOR_SECRET_ARN must name the secret list cursors are signed with');
  const secret = Buffer.from(value, 'utf8');
  if (secret.length < CURSOR_SECRET_MIN_BYTES)
    throw new Error(`the cursor secret must be at least ${CURSOR_SECRET_MIN_BYTES} bytes`);
  return secret;
}

/** The operations queue on SQS, its SDK client imported on the first enqueue (not at cold start). */
function sqsQueueOnFirstUse(queueUrl: string): OperationQueue {
  let queue: Promise<OperationQueue> | undefined;
  const loaded = () =>
    (queue ??= Promise.all([import('@aws-sdk/client-sqs'), import('./sqs-queue.ts')]).then(
      ([{ SQSClient }, { SqsOperationQueue }]) => new SqsOperationQueue(new SQSClient({}), queueUrl),
      (error: unknown) => {
        queue = undefined;
        throw error;
      },
    ));
  return { enqueue: async (ref: OperationRef, delayMs?: number) => (await loaded()).enqueue(ref, delayMs) };
}

function env(name: string): string | undefined {
  return process.env[name];
}
