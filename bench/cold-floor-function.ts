/**
 * The floor of a cold start on the libraries the API function is built on (`npm run bench:cold` bundles
 * this file as it bundles the API function and runs it in the same fresh processes). It answers an
 * authenticated `GET /v1/vms` with the least any broker on these libraries does: one OpenAPI route with
 * zod validation (@hono/zod-openapi) behind Hono's Lambda adapter, a JWT checked against the IdP's JWKS
 * (jose; the keys fetched over `node:http` as the broker fetches them, which is cheaper than jose's own
 * fetch at a cold start), one Cedar decision on a one-policy set (cedar-wasm), one DynamoDB query (dynamodb-toolbox on
 * the AWS SDK's document client) and one log line (Powertools). No tenants, quotas, audit, placement,
 * problem documents or the rest of the broker's routes: whatever this costs, the broker cannot cost less.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Entity } from 'dynamodb-toolbox/entity';
import { item } from 'dynamodb-toolbox/schema/item';
import { string } from 'dynamodb-toolbox/schema/string';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import { handle } from 'hono/aws-lambda';
import { jwtVerify } from 'jose';
import { remoteJwkSet } from '../auth/remote-jwks.ts';
import { createBrokerTable } from '../persistence/broker-table.ts';

const env = (name: string) => process.env[name] ?? '';
const logger = new Logger({ serviceName: 'hcb-cold-floor' });
const table = createBrokerTable(
  env('HCB_TABLE_NAME'),
  DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: env('HCB_DYNAMODB_ENDPOINT') })),
);
const vms = new Entity({
  name: 'vm',
  table,
  schema: item({ pk: string().key(), sk: string().key(), name: string().optional() }),
});
const jwks = remoteJwkSet(new URL(env('HCB_JWKS_URL')));

const VmList = z.object({
  items: z.array(z.object({ id: z.string(), name: z.string().optional() })),
  nextCursor: z.string().optional(),
});
const listVms = createRoute({
  method: 'get',
  path: '/v1/vms',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(512).optional(),
    }),
  },
  responses: {
    200: { description: 'VMs', content: { 'application/json': { schema: VmList } } },
    403: { description: 'denied' },
  },
});

let parsed = false;
const app = new OpenAPIHono().openapi(listVms, async (c) => {
  const token = (c.req.header('authorization') ?? '').replace(/^Bearer /, '');
  const { payload } = await jwtVerify(token, jwks, {
    issuer: env('HCB_JWT_ISSUER'),
    audience: env('HCB_JWT_AUDIENCE'),
  });
  const tenant = String(payload.tenant);
  if (!parsed) {
    preparsePolicySet('floor', {
      staticPolicies: {
        p0: 'permit (principal, action == Action::"listVms", resource) when { principal.tenant == resource.tenant };',
      },
    });
    parsed = true;
  }
  const answer = statefulIsAuthorized({
    principal: { type: 'User', id: String(payload.sub) },
    action: { type: 'Action', id: 'listVms' },
    resource: { type: 'Vms', id: tenant },
    context: {},
    preparsedPolicySetId: 'floor',
    entities: [
      { uid: { type: 'User', id: String(payload.sub) }, attrs: { tenant }, parents: [] },
      { uid: { type: 'Vms', id: tenant }, attrs: { tenant }, parents: [] },
    ],
  });
  if (answer.type !== 'success' || answer.response.decision !== 'allow') return c.json({}, 403);
  const { limit } = c.req.valid('query');
  const { Items = [] } = await table
    .build(QueryCommand)
    .entities(vms)
    .query({ partition: `TENANT#${tenant}`, range: { beginsWith: 'VM#' } })
    .options({ limit })
    .send();
  logger.info('listed', { count: Items.length });
  return c.json({ items: Items.map((vm) => ({ id: vm.sk.slice(3), name: vm.name })) }, 200);
});

export const handler = handle(app);
