import { z } from '@hono/zod-openapi';
import { IMAGE_STATUSES } from '../../core/model/image.ts';
import { ClassificationSchema, PageQuerySchema, page, TargetRefSchema } from './common.ts';
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
  targetId: z.string().min(1).max(64).optional(),
});
export const CopyImageSchema = z
  .object({
    targetId: z.string().min(1).max(64),
    name: z
      .string()
      .regex(
        /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
        'lowercase letters, digits and inner dashes, 1–63 characters',
      )
      .optional(),
  })
  .strict()
  .openapi('CopyImage');
