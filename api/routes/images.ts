import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { isPublicImage } from '../../core/images/catalogue-images.ts';
import type { ImageService } from '../../core/images/image-service.ts';
import { toImageView } from '../../core/model/image.ts';
import { toOperationView } from '../../core/model/operation.ts';
import type { Authorizer } from '../../core/ports/authorizer.ts';
import { type ApiEnv, requestContext } from '../context.ts';
import { action } from '../middleware/authorize.ts';
import { IdempotencyHeaderSchema, IdParamSchema, problemResponses } from '../schemas/common.ts';
import {
  CopyImageSchema,
  ImageListQuerySchema,
  ImagePageSchema,
  ImageSchema,
  ImageWithOperationSchema,
} from '../schemas/image.ts';
import { json, jsonBody } from './json-content.ts';

/** `/v1/images`: VM snapshots and their copies, classified at least as their sources (taint). */
export function imageRoutes(images: ImageService, authorizer: Authorizer): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>();
  const ImageId = IdParamSchema('img');
  // A public image's logical name is taken too, so deleting one says why it cannot be (image.readOnly).
  const DeletableImageId = z.object({
    id: z
      .string()
      .regex(/^(img-[0-9a-z]{26}|[a-z0-9][a-z0-9.-]{0,62})$/, 'an img- id')
      .openapi({ param: { name: 'id', in: 'path' }, example: 'img-01jb2x3y4z5a6b7c8d9e0f1g2h' }),
  });
  const ctx = requestContext;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/images',
      tags: ['Images'],
      summary: "List the tenant's images, then the catalogue's public ones (read-only)",
      middleware: [action(authorizer, 'image.list', 'image')],
      request: { query: ImageListQuerySchema },
      responses: { 200: json(ImagePageSchema, 'one page'), ...problemResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor, targetId } = c.req.valid('query');
      const result = await images.list(c.var.principal, targetId ? { targetId } : {}, {
        limit,
        ...(cursor ? { cursor } : {}),
      });
      return c.json(
        {
          items: result.items.map((item) => (isPublicImage(item) ? item : toImageView(item))),
          ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/images/{id}',
      tags: ['Images'],
      summary: 'Get an image',
      middleware: [action(authorizer, 'image.read', 'image')],
      request: { params: ImageId },
      responses: { 200: json(ImageSchema, 'the image'), ...problemResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(toImageView(await images.get(c.var.principal, c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/images/{id}/copy',
      tags: ['Images'],
      summary: 'Copy to another target, where policy allows (a phi image never goes to a public target)',
      middleware: [action(authorizer, 'image.copy', 'image')],
      request: {
        params: ImageId,
        headers: IdempotencyHeaderSchema,
        ...jsonBody(CopyImageSchema),
      },
      responses: {
        202: json(ImageWithOperationSchema, 'accepted'),
        ...problemResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { image, operation } = await images.copy(
        ctx(c),
        c.req.valid('param').id,
        body.targetId,
        body.name,
      );
      c.set('audit', {
        resource: { type: 'image', id: image.id },
        operationId: operation.id,
        detail: { sourceImageId: c.req.valid('param').id, targetId: body.targetId },
      });
      return c.json({ image: toImageView(image), operation: toOperationView(operation) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/images/{id}',
      tags: ['Images'],
      summary: "Delete one of the tenant's images (a public image of the catalogue is read-only: 409)",
      middleware: [action(authorizer, 'image.delete', 'image')],
      request: { params: DeletableImageId, headers: IdempotencyHeaderSchema },
      responses: {
        202: json(ImageWithOperationSchema, 'accepted'),
        ...problemResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { resource, operation } = await images.delete(ctx(c), c.req.valid('param').id);
      c.set('audit', { resource: { type: 'image', id: resource.id }, operationId: operation.id });
      return c.json({ image: toImageView(resource), operation: toOperationView(operation) }, 202);
    },
  );
  return app;
}
