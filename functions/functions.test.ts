import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context, ScheduledEvent, SQSEvent } from 'aws-lambda';
import type { LambdaEvent } from 'hono/aws-lambda';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS } from '../core/ports/metrics.ts';
import type { OperationQueue, OperationRef } from '../core/ports/queue.ts';
import { ensureTables } from '../persistence/broker-table.ts';
import { lambdaBroker, resetLambdaBroker } from '../runtime/aws/lambda-broker.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../runtime/local/embedded-dynamo.ts';
import { FAST_TARGETS } from '../test/support/broker-harness.ts';
import { handler as apiHandler } from './api.ts';
import { handler as reconcilerHandler } from './reconciler.ts';
import { handler as workerHandler } from './worker.ts';

/** Captures what the functions send to the queue, so the test can deliver it as SQS would. */
class CapturingQueue implements OperationQueue {
  readonly sent: { ref: OperationRef; delayMs: number }[] = [];
  async enqueue(ref: OperationRef, delayMs = 0) {
    this.sent.push({ ref, delayMs });
  }
}

const context = {
  functionName: 'hcb-api',
  awsRequestId: 'c0ffee',
  getRemainingTimeInMillis: () => 29_000,
} as unknown as Context;

/** An API Gateway HTTP API (payload format 2.0) event, as the service sends it. */
function httpEvent(method: string, path: string, token: string, body?: unknown): APIGatewayProxyEventV2 {
  const [rawPath, rawQueryString = ''] = path.split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: rawPath!,
    rawQueryString,
    headers: {
      authorization: `Bearer ${token}`,
      host: 'api.hcb.example',
      'content-type': 'application/json',
      'x-forwarded-proto': 'https',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'api.hcb.example',
      domainPrefix: 'api',
      http: { method, path: rawPath!, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(36).slice(2, 10)}`,
      routeKey: '$default',
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

/** API Gateway omits `body` when there is none; Hono's type says `null`. Same event, one cast. */
const invokeApi = (event: APIGatewayProxyEventV2) => apiHandler(event as unknown as LambdaEvent, context);

function sqsEvent(refs: OperationRef[]): SQSEvent {
  return {
    Records: refs.map((ref, i) => ({
      messageId: `m-${i}-${ref.operationId}`,
      receiptHandle: 'AQEB…',
      body: JSON.stringify(ref),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: 'x',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:hcb-operations',
      awsRegion: 'us-east-1',
    })),
  };
}

describe('Lambda entry points with real event shapes', () => {
  let dynamo: EmbeddedDynamo;
  let jwksServer: Server;
  let token: string;
  const queue = new CapturingQueue();

  const savedEnv = { ...process.env };
  const scratch = mkdtempSync(join(tmpdir(), 'hcb-fn-'));

  beforeAll(async () => {
    // What the Lambda runtime provides: region and credentials in the environment.
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    dynamo = await startEmbeddedDynamo(undefined);
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTables(client, 'hcb-fn-test');
    client.destroy();
    // The IdP: a JWKS served over HTTP, like Cognito's or Entra's.
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256' };
    jwksServer = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    token = await new SignJWT({ tenant: 'fn-tenant', roles: ['app'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setSubject('mobile-backend')
      .setIssuer('https://idp.hcb.example/')
      .setAudience('hcb-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    resetLambdaBroker();
    await lambdaBroker(
      {
        AWS_REGION: 'us-east-1',
        HCB_TABLE_NAME: 'hcb-fn-test',
        HCB_DYNAMODB_ENDPOINT: dynamo.endpoint,
        HCB_JWT_ISSUER: 'https://idp.hcb.example/',
        HCB_JWT_AUDIENCE: 'hcb-api',
        HCB_JWKS_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`,
        HCB_TARGETS_FILE: FAST_TARGETS,
        HCB_CURSOR_SECRET: 'functions-test-cursor-secret-of-32-bytes-or-more',
        // Stand-ins for the Object Lock bucket and the Secrets Manager secret the stack provides.
        HCB_AUDIT_ANCHOR: pathToFileURL(join(scratch, 'audit-anchor')).href,
        HCB_AUDIT_KEY_SECRET: `file:${join(scratch, 'audit-key-secret')}`,
      },
      queue,
    );
  });

  afterAll(async () => {
    process.env = savedEnv;
    resetLambdaBroker();
    jwksServer.close();
    await dynamo.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a VM create end to end: API function → queue → worker function → API function', async () => {
    const created = await invokeApi(
      httpEvent('POST', '/v1/vms', token, {
        name: 'lambda-vm',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'phi',
      }),
    );
    expect(created.statusCode).toBe(202);
    const { vm, operation } = JSON.parse(created.body!);
    expect(vm.placement.site).toBe('onprem');
    expect(queue.sent.at(-1)?.ref).toEqual({ tenant: 'fn-tenant', operationId: operation.id });

    // Deliver queued messages as SQS would (honouring delays) until the operation finishes.
    for (let round = 0; round < 50; round++) {
      const batch = queue.sent.splice(0);
      if (batch.length === 0) break;
      await new Promise((r) => setTimeout(r, Math.max(...batch.map((m) => m.delayMs))));
      const result = await workerHandler(sqsEvent(batch.map((m) => m.ref)));
      expect(result.batchItemFailures).toEqual([]);
    }
    const op = JSON.parse((await invokeApi(httpEvent('GET', `/v1/operations/${operation.id}`, token))).body!);
    expect(op.status).toBe('succeeded');
    const got = JSON.parse((await invokeApi(httpEvent('GET', `/v1/vms/${vm.id}`, token))).body!);
    expect(got.status).toBe('active');
  });

  it('emits the broker metrics as CloudWatch EMF, under the names GET /metrics uses', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const created = await invokeApi(
        httpEvent('POST', '/v1/vms', token, {
          name: 'emf-vm',
          size: 'small',
          image: 'ubuntu-24.04',
          classification: 'internal',
        }),
      );
      expect(created.statusCode).toBe(202);
      for (let round = 0; round < 50 && queue.sent.length > 0; round++) {
        const batch = queue.sent.splice(0);
        await new Promise((r) => setTimeout(r, Math.max(...batch.map((m) => m.delayMs))));
        await workerHandler(sqsEvent(batch.map((m) => m.ref)));
      }
    } finally {
      spy.mockRestore();
    }
    const records = written
      .join('')
      .split('\n')
      .filter((line) => line.includes('"CloudWatchMetrics"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const find = (name: string, labels: Record<string, string> = {}) =>
      records.filter((r) => name in r && Object.entries(labels).every(([k, v]) => r[k] === v));
    expect(find(METRICS.httpRequests.name, { route: '/v1/vms', method: 'POST', status: '202' })).toHaveLength(
      1,
    );
    expect(find(METRICS.placementDecisions.name, { outcome: 'placed' })).toHaveLength(1);
    expect(find(METRICS.operations.name, { kind: 'vm.create', outcome: 'succeeded' })).toHaveLength(1);
    expect(find(METRICS.cloudCalls.name, { service: 'compute', outcome: 'ok' }).length).toBeGreaterThan(0);
    expect(find(METRICS.queueOldestAge.name).length).toBeGreaterThan(0);
    expect(JSON.stringify(records)).not.toContain('emf-vm');
  });

  it('answers problem+json through API Gateway too', async () => {
    const reply = await invokeApi(httpEvent('GET', '/v1/vms?limit=0', token));
    expect(reply.statusCode).toBe(400);
    expect(reply.headers?.['content-type']).toBe('application/problem+json');
    const unauthorized = await invokeApi(httpEvent('GET', '/v1/vms', 'forged.token.value'));
    expect(unauthorized.statusCode).toBe(401);
  });

  it('reports a malformed queue message as a batch item failure and carries on', async () => {
    const event = sqsEvent([{ tenant: 'fn-tenant', operationId: 'op-missing' }]);
    event.Records.push({ ...event.Records[0]!, messageId: 'bad', body: 'not json' });
    const result = await workerHandler(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
  });

  it('reports every message as a batch item failure when the whole batch failed (no invocation error)', async () => {
    const event = sqsEvent([{ tenant: 'fn-tenant', operationId: 'op-missing' }]);
    event.Records = [
      { ...event.Records[0]!, messageId: 'bad-1', body: 'not json' },
      { ...event.Records[0]!, messageId: 'bad-2', body: '{}' },
    ];
    const result = await workerHandler(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'bad-1' }, { itemIdentifier: 'bad-2' }]);
  });

  it('runs the reconciler on a scheduled event', async () => {
    const event: ScheduledEvent = {
      version: '0',
      id: 'cdc73f9d-aea9-11e3-9d5a-835b769c0d9c',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:123456789012:rule/hcb-reconciler'],
      detail: {},
    };
    const report = await reconcilerHandler(event);
    expect(report).toMatchObject({ errors: 0, orphansDeleted: 0 });
  });
});
