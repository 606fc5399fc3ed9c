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

export const ImagePageSchema = page(ImageSchema, 'ImagePage');
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
