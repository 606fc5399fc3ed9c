import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { toOperationView } from '../../core/model/operation.ts';
import { toSnapshotView, toVolumeView } from '../../core/model/volume.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import type { VolumeService } from '../../core/volumes/volume-service.ts';
import { type ApiEnv, requestContext } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { placementSummary } from '../placement-summary.ts';
import {
  IdempotencyHeaderSchema,
  IdParamSchema,
  PageQuerySchema,
  problemResponses,
} from '../schemas/common.ts';
import {
  AttachSchema,
  CreateVolumeSchema,
  ExtendVolumeSchema,
  RetypeVolumeSchema,
  SnapshotPageSchema,
  SnapshotRequestSchema,
  SnapshotSchema,
  SnapshotWithOperationSchema,
  VolumeListQuerySchema,
  VolumePageSchema,
  VolumeSchema,
  VolumeWithOperationSchema,
} from '../schemas/volume.ts';
import { json, jsonBody } from './json-content.ts';

/** `/v1/volumes` and `/v1/snapshots`: block storage placed by policy, attachments within one target. */
export function volumeRoutes(volumes: VolumeService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const VolumeId = IdParamSchema('vol');
  const SnapshotId = IdParamSchema('snap');
  const ctx = requestContext;
  const accepted = { 202: json(VolumeWithOperationSchema, 'accepted; poll the operation') };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/volumes',
      tags: ['Volumes'],
      summary: 'Create a volume (placed by policy), optionally from a snapshot',
      middleware: [action(authorizer, 'volume.create', 'volume')],
      request: { headers: IdempotencyHeaderSchema, ...jsonBody(CreateVolumeSchema) },
      responses: { ...accepted, ...problemResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { volume, operation, decision } = await volumes.create(ctx(c), c.req.valid('json'));
      c.set('audit', {
        resource: { type: 'volume', id: volume.id },
        placement: placementSummary(decision),
        operationId: operation.id,
      });
      c.header('location', `/v1/volumes/${volume.id}`);
      return c.json({ volume: toVolumeView(volume), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/volumes',
      tags: ['Volumes'],
      summary: "List the tenant's volumes",
      middleware: [action(authorizer, 'volume.list', 'volume')],
      request: { query: VolumeListQuerySchema },
      responses: { 200: json(VolumePageSchema, 'one page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor, ...filter } = c.req.valid('query');
      const result = await volumes.list(c.var.principal, withoutUndefined(filter), {
        limit,
        ...(cursor ? { cursor } : {}),
      });
      return c.json(
        {
          items: result.items.map(toVolumeView),
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/volumes/{id}',
      tags: ['Volumes'],
      summary: 'Get a volume',
      middleware: [action(authorizer, 'volume.read', 'volume')],
      request: { params: VolumeId },
      responses: { 200: json(VolumeSchema, 'the volume'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(toVolumeView(await volumes.get(c.var.principal, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/volumes/{id}',
      tags: ['Volumes'],
      summary: 'Delete a detached volume',
      middleware: [action(authorizer, 'volume.delete', 'volume')],
      request: { params: VolumeId, headers: IdempotencyHeaderSchema },
      responses: { ...accepted, ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { resource, operation } = await volumes.delete(ctx(c), c.req.valid('param').id);
      c.set('audit', { resource: { type: 'volume', id: resource.id }, operationId: operation.id });
      return c.json({ volume: toVolumeView(resource), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/volumes/{id}/attach',
      tags: ['Volumes'],
      summary: 'Attach to a VM on the same target, where policy allows',
      middleware: [action(authorizer, 'volume.attach', 'volume')],
      request: { params: VolumeId, headers: IdempotencyHeaderSchema, ...jsonBody(AttachSchema) },
      responses: { ...accepted, ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { resource, operation } = await volumes.attach(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('json').vmId,
      );
      c.set('audit', { resource: { type: 'volume', id: resource.id }, operationId: operation.id });
      return c.json({ volume: toVolumeView(resource), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/volumes/{id}/detach',
      tags: ['Volumes'],
      summary: 'Detach from its VM',
      middleware: [action(authorizer, 'volume.detach', 'volume')],
      request: { params: VolumeId, headers: IdempotencyHeaderSchema },
      responses: { ...accepted, ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { resource, operation } = await volumes.detach(ctx(c), c.req.valid('param').id);
      c.set('audit', { resource: { type: 'volume', id: resource.id }, operationId: operation.id });
      return c.json({ volume: toVolumeView(resource), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/volumes/{id}/retype',
      tags: ['Volumes'],
      summary: "Change a volume's type on its own target, attached or not",
      description:
        "400 for a type the catalogue does not have (naming the valid ones); 422 `retype.unsupported` for a type the volume's target does not offer; a `targetId` other than the volume's: 403 `retype.denied` naming the policies when policy forbids the move (phi to a public site), else 409 `volume.targetMismatch` — a retype never moves a volume.",
      middleware: [action(authorizer, 'volume.retype', 'volume')],
      request: { params: VolumeId, headers: IdempotencyHeaderSchema, ...jsonBody(RetypeVolumeSchema) },
      responses: { ...accepted, ...problemResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const { resource, operation } = await volumes.retype(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      c.set('audit', { resource: { type: 'volume', id: resource.id }, operationId: operation.id });
      return c.json({ volume: toVolumeView(resource), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/volumes/{id}/extend',
      tags: ['Volumes'],
      summary: 'Grow a volume, attached (online) or not; the quota counts the new size',
      middleware: [action(authorizer, 'volume.extend', 'volume')],
      request: { params: VolumeId, headers: IdempotencyHeaderSchema, ...jsonBody(ExtendVolumeSchema) },
      responses: { ...accepted, ...problemResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { resource, operation } = await volumes.extend(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('json').sizeGiB,
      );
      c.set('audit', { resource: { type: 'volume', id: resource.id }, operationId: operation.id });
      return c.json({ volume: toVolumeView(resource), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/volumes/{id}/snapshots',
      tags: ['Volumes'],
      summary: 'Snapshot a volume (classified at least as the volume)',
      middleware: [action(authorizer, 'volume.snapshot', 'volume')],
      request: { params: VolumeId, headers: IdempotencyHeaderSchema, ...jsonBody(SnapshotRequestSchema) },
      responses: {
        202: json(SnapshotWithOperationSchema, 'accepted'),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { snapshot, operation } = await volumes.createSnapshot(
        ctx(c),
        c.req.valid('param').id,
        c.req.valid('json').name,
      );
      c.set('audit', { resource: { type: 'snapshot', id: snapshot.id }, operationId: operation.id });
      return c.json({ snapshot: toSnapshotView(snapshot), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/volumes/{id}/snapshots',
      tags: ['Volumes'],
      summary: "A volume's snapshots",
      middleware: [action(authorizer, 'volume.read', 'volume')],
      request: { params: VolumeId, query: PageQuerySchema },
      responses: { 200: json(SnapshotPageSchema, 'one page'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const result = await volumes.listSnapshots(c.var.principal, c.req.valid('param').id, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
      return c.json(
        {
          items: result.items.map(toSnapshotView),
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/snapshots/{id}',
      tags: ['Volumes'],
      summary: 'Get a snapshot',
      middleware: [action(authorizer, 'snapshot.read', 'snapshot')],
      request: { params: SnapshotId },
      responses: { 200: json(SnapshotSchema, 'the snapshot'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(toSnapshotView(await volumes.snapshot(c.var.principal, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/snapshots/{id}',
      tags: ['Volumes'],
      summary: 'Delete a snapshot',
      middleware: [action(authorizer, 'snapshot.delete', 'snapshot')],
      request: { params: SnapshotId, headers: IdempotencyHeaderSchema },
      responses: {
        202: json(SnapshotWithOperationSchema, 'accepted'),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { resource, operation } = await volumes.deleteSnapshot(ctx(c), c.req.valid('param').id);
      c.set('audit', { resource: { type: 'snapshot', id: resource.id }, operationId: operation.id });
      return c.json({ snapshot: toSnapshotView(resource), operation: toOperationView(operation) }, 202);
    },
  );
  return app;
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
