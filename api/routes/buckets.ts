import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { BucketService } from '../../core/buckets/bucket-service.ts';
import { toBucketView } from '../../core/model/bucket.ts';
import { toOperationView } from '../../core/model/operation.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import { type ApiEnv, requestContext } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { placementSummary } from '../placement-summary.ts';
import {
  BucketListQuerySchema,
  BucketPageSchema,
  BucketSchema,
  BucketWithOperationSchema,
  CreateBucketSchema,
  DeleteBucketQuerySchema,
  PresignedSchema,
  PresignRequestSchema,
} from '../schemas/bucket.ts';
import { IdempotencyHeaderSchema, IdParamSchema, problemResponses } from '../schemas/common.ts';
import { json, jsonBody } from './json-content.ts';

/** Presign answers carry object keys: never stored as idempotent replies (see api/app.ts). */
export const PRESIGN_PATH = /^\/v1\/buckets\/[^/]+\/presign$/;

/** `/v1/buckets`: Swift containers on-prem, S3 buckets in AWS; bytes go direct through signed links. */
export function bucketRoutes(buckets: BucketService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const BucketId = IdParamSchema('bkt');
  const ctx = requestContext;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/buckets',
      tags: ['Buckets'],
      summary: 'Create a bucket (placed by policy)',
      middleware: [action(authorizer, 'bucket.create', 'bucket')],
      request: { headers: IdempotencyHeaderSchema, ...jsonBody(CreateBucketSchema) },
      responses: {
        202: json(BucketWithOperationSchema, 'accepted; poll the operation'),
        ...problemResponses(400, 401, 403, 422),
      },
    }),
    async (c) => {
      const { bucket, operation, decision } = await buckets.create(ctx(c), c.req.valid('json'));
      c.set('audit', {
        resource: { type: 'bucket', id: bucket.id },
        placement: placementSummary(decision),
        operationId: operation.id,
      });
      c.header('location', `/v1/buckets/${bucket.id}`);
      return c.json({ bucket: toBucketView(bucket), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/buckets',
      tags: ['Buckets'],
      summary: "List the tenant's buckets",
      middleware: [action(authorizer, 'bucket.list', 'bucket')],
      request: { query: BucketListQuerySchema },
      responses: { 200: json(BucketPageSchema, 'one page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor, ...rest } = c.req.valid('query');
      const filter = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
      const result = await buckets.list(c.var.principal, filter, { limit, ...(cursor ? { cursor } : {}) });
      return c.json(
        {
          items: result.items.map(toBucketView),
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/buckets/{id}',
      tags: ['Buckets'],
      summary: 'Get a bucket',
      middleware: [action(authorizer, 'bucket.read', 'bucket')],
      request: { params: BucketId },
      responses: { 200: json(BucketSchema, 'the bucket'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(toBucketView(await buckets.get(c.var.principal, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/buckets/{id}',
      tags: ['Buckets'],
      summary: 'Delete a bucket (refused while it holds objects, unless force=true)',
      middleware: [action(authorizer, 'bucket.delete', 'bucket')],
      request: { params: BucketId, query: DeleteBucketQuerySchema, headers: IdempotencyHeaderSchema },
      responses: {
        202: json(BucketWithOperationSchema, 'accepted'),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { resource, operation } = await buckets.delete(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('query').force === 'true',
      );
      c.set('audit', { resource: { type: 'bucket', id: resource.id }, operationId: operation.id });
      return c.json({ bucket: toBucketView(resource), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/buckets/{id}/presign',
      tags: ['Buckets'],
      summary: 'A link to PUT or GET one object directly at the store, for a bounded time',
      middleware: [action(authorizer, 'bucket.presign', 'bucket')],
      request: { params: BucketId, ...jsonBody(PresignRequestSchema) },
      responses: { 200: json(PresignedSchema, 'the link'), ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { bucket, link, keyDigest } = await buckets.presign(
        c.var.principal,
        c.req.valid('param').id,
        input,
      );
      c.set('audit', {
        resource: { type: 'bucket', id: bucket.id },
        detail: {
          keyHmacSha256: keyDigest,
          method: input.method,
          expiresInSeconds: String(input.expiresInSeconds),
        },
      });
      c.header('cache-control', 'no-store');
      return c.json(link, 200);
    },
  );
  return app;
}
