import { z } from '@hono/zod-openapi';
import { IMAGE_STATUSES } from '../../core/model/image.ts';
import {
  ClassificationSchema,
  PageQuerySchema,
  page,
  ResourceNameSchema,
  TargetIdSchema,
  TargetRefSchema,
} from './common.ts';
import { OperationSchema } from './operation.ts';

export const ImageSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    classification: ClassificationSchema,
    status: z.enum(IMAGE_STATUSES),
    placement: TargetRefSchema,
    source: z.union([
      z.object({ kind: z.literal('vm'), vmId: z.string() }),
      z.object({ kind: z.literal('image'), imageId: z.string() }),
    ]),
    operationId: z.string(),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Image', { description: "a VM snapshot or a copy; boot VMs from it with image: '<id>'" });

export const PublicImageSchema = z
  .object({
    id: z.string().openapi({ example: 'ubuntu-24.04', description: 'the logical name VMs boot from' }),
    name: z.string(),
    description: z.string(),
    visibility: z.literal('public'),
    readOnly: z.literal(true).openapi({ description: 'nobody deletes or changes it through the broker' }),
    targets: z
      .array(z.object({ targetId: z.string(), cloudImage: z.string() }))
      .openapi({ description: "the targets offering it, with each one's own image id" }),
  })
  .openapi('PublicImage', {
    description: "a public image of the catalogue; boot VMs from it with image: '<id>'",
  });

export const ImagePageSchema = page(z.union([PublicImageSchema, ImageSchema]), 'ImagePage');
export const ImageWithOperationSchema = z
  .object({ image: ImageSchema, operation: OperationSchema })
  .openapi('ImageWithOperation');
export const ImageListQuerySchema = PageQuerySchema.extend({
  targetId: TargetIdSchema.optional(),
});
export const CopyImageSchema = z
  .object({
    targetId: TargetIdSchema,
    name: ResourceNameSchema.optional(),
  })
  .strict()
  .openapi('CopyImage');
