import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ensureTables } from '../../persistence/broker-table.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../runtime/local/embedded-dynamo.ts';

/**
 * A built Lambda bundle (stacks/lambda-esbuild.ts) run the way Lambda runs it: a fresh Node.js process
 * imports `index.mjs` and calls `handler` with API Gateway events. Around it, what the cloud would
 * provide: a DynamoDB endpoint (dynalite, in this process), an IdP's JWKS over HTTP, and file stand-ins
 * for the audit anchor and the audit key secret. Used by the bundle test and `npm run bench:cold`.
 */
export const PROBE_NODE = resolve(import.meta.dirname, '../../node_modules/.bin/node');
const run = promisify(execFile);
const TABLE = 'hcb-cold-probe';
const TENANT = 'cold-tenant';

/** What one fresh process measured (ms from the start of the import) and answered. */
export interface ProbeResult {
  /** Wall time of the whole process, as the parent saw it (spawn to exit). */
  wallMs: number;
  importMs: number;
  /** Import plus the first request (which builds the broker). */
  firstMs: number;
  /** CPU time of the whole process (user + system, all threads): less shaken by a busy machine. */
  cpuMs: number;
  statuses: number[];
  bodies: string[];
}

export type ProbeRequest = {
  method: 'GET' | 'POST';
  path: string;
  authenticated: boolean;
  /** A JSON body (sent with `content-type: application/json`). */
  body?: unknown;
};

export interface BundleProbe {
  /** Runs the bundle in `dir` in a fresh process and sends it `requests`, in order. */
  run(dir: string, requests: ProbeRequest[]): Promise<ProbeResult>;
  /** `node -e ""` (printing its CPU time), spawned the same way: the baseline. */
  emptyNode(): Promise<{ wallMs: number; cpuMs: number }>;
  close(): Promise<void>;
}

export async function startBundleProbe(): Promise<BundleProbe> {
  const scratch = mkdtempSync(join(tmpdir(), 'hcb-cold-'));
  const dynamo: EmbeddedDynamo = await startEmbeddedDynamo(undefined);
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  await ensureTables(client, TABLE);
  client.destroy();
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'cold-1', alg: 'ES256' };
  const jwks: Server = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  const token = await new SignJWT({ tenant: TENANT, roles: ['app'] })
    .setProtectedHeader({ alg: 'ES256', kid: 'cold-1' })
    .setSubject('cold-probe')
    .setIssuer('https://idp.hcb.example/')
    .setAudience('hcb-api')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  const baseEnv = {
    PATH: process.env.PATH ?? '',
    ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    HCB_TABLE_NAME: TABLE,
    HCB_DYNAMODB_ENDPOINT: dynamo.endpoint,
    HCB_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111111111111/hcb-cold-probe',
    HCB_JWT_ISSUER: 'https://idp.hcb.example/',
    HCB_JWT_AUDIENCE: 'hcb-api',
    HCB_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
    HCB_CURSOR_SECRET: 'cold-probe-cursor-secret-of-32-bytes-or-more',
    HCB_AUDIT_ANCHOR: pathToFileURL(join(scratch, 'audit-anchor')).href,
    HCB_AUDIT_KEY_SECRET: `file:${join(scratch, 'audit-key-secret')}`,
    POWERTOOLS_SERVICE_NAME: 'hcb-cold-probe',
    LOG_LEVEL: 'WARN',
  };
  const spawnTimed = async (args: string[], env: Record<string, string>, cwd?: string) => {
    const started = performance.now();
    const { stdout } = await run(PROBE_NODE, args, { env, cwd, encoding: 'utf8', timeout: 60_000 });
    return { stdout, wallMs: performance.now() - started };
  };
  return {
    async run(dir, requests) {
      const events = requests.map((r) => apiEvent(r, token));
      const { stdout, wallMs } = await spawnTimed(
        ['--input-type=module', '-e', CHILD],
        {
          ...baseEnv,
          HCB_POLICIES_DIR: join(dir, 'policies'),
          HCB_PROBE_BUNDLE: pathToFileURL(join(dir, 'index.mjs')).href,
          HCB_PROBE_EVENTS: JSON.stringify(events),
        },
        // Lambda's working directory is the function's own (/var/task).
        dir,
      );
      const line = stdout.trim().split('\n').pop()!;
      return { wallMs, ...(JSON.parse(line) as Omit<ProbeResult, 'wallMs'>) };
    },
    async emptyNode() {
      const { stdout, wallMs } = await spawnTimed(['-e', `console.log(${CPU_MS})`], { PATH: baseEnv.PATH });
      return { wallMs, cpuMs: Number(stdout.trim()) };
    },
    async close() {
      jwks.close();
      await dynamo.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

const CPU_MS = '(process.cpuUsage().user + process.cpuUsage().system) / 1000';

/** The child: import, then each event in turn; one JSON line out, then exit (SDK sockets stay open). */
const CHILD = `
const t0 = performance.now();
const { handler } = await import(process.env.HCB_PROBE_BUNDLE);
const importMs = performance.now() - t0;
const context = { functionName: 'hcb-api', awsRequestId: 'cold', getRemainingTimeInMillis: () => 29000 };
const statuses = [], bodies = [];
let firstMs;
for (const event of JSON.parse(process.env.HCB_PROBE_EVENTS)) {
  const reply = await handler(event, context);
  firstMs ??= performance.now() - t0;
  statuses.push(reply.statusCode);
  bodies.push(String(reply.body ?? '').slice(0, 400));
}
const cpuMs = ${CPU_MS};
console.log(JSON.stringify({ importMs, firstMs, cpuMs, statuses, bodies }));
process.exit(0);
`;

/** An API Gateway HTTP API (payload format 2.0) event. */
function apiEvent(request: ProbeRequest, token: string) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: '',
    headers: {
      host: 'api.hcb.example',
      'x-forwarded-proto': 'https',
      ...(request.authenticated ? { authorization: `Bearer ${token}` } : {}),
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'cold',
      domainName: 'api.hcb.example',
      domainPrefix: 'api',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'cold-probe',
      },
      requestId: 'cold-probe',
      routeKey: '$default',
      stage: '$default',
      time: '03/Dec/2026:10:00:00 +0000',
      timeEpoch: Date.now(),
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    isBase64Encoded: false,
  };
}
