import { z } from '@hono/zod-openapi';
import { BUCKET_STATUSES, PRESIGN_MAX_SECONDS } from '../../core/model/bucket.ts';
import {
  ClassificationSchema,
  objectKeyText,
  PageQuerySchema,
  page,
  RegionSchema,
  ResourceNameSchema,
  TagsSchema,
  TargetIdSchema,
  TargetRefSchema,
} from './common.ts';
import { OperationSchema } from './operation.ts';

export const CreateBucketSchema = z
  .object({
    name: ResourceNameSchema,
    classification: ClassificationSchema,
    region: RegionSchema.optional(),
    tags: TagsSchema.optional(),
  })
  .strict()
  .openapi('CreateBucket');

export const BucketSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    classification: ClassificationSchema,
    region: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    status: z.enum(BUCKET_STATUSES),
    placement: TargetRefSchema.optional(),
    operationId: z.string(),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Bucket');

export const BucketPageSchema = page(BucketSchema, 'BucketPage');
export const BucketWithOperationSchema = z
  .object({ bucket: BucketSchema, operation: OperationSchema })
  .openapi('BucketWithOperation');

export const BucketListQuerySchema = PageQuerySchema.extend({
  status: z.enum(BUCKET_STATUSES).optional(),
  classification: ClassificationSchema.optional(),
  targetId: TargetIdSchema.optional(),
});

export const DeleteBucketQuerySchema = z.object({
  force: z.enum(['true', 'false']).default('false').openapi({
    description: 'delete every object (and version) too; otherwise a bucket holding objects is refused',
  }),
});

export const PresignRequestSchema = z
  .object({
    key: objectKeyText(1024).openapi({
      description: 'object key; never stored by the broker (its hash goes to the audit trail)',
    }),
    method: z.enum(['PUT', 'GET']),
    expiresInSeconds: z
      .number()
      .int()
      .min(1)
      .max(PRESIGN_MAX_SECONDS)
      .default(300)
      .openapi({ description: 'link lifetime; at most 3600 s (900 s for phi buckets)' }),
  })
  .strict()
  .openapi('PresignRequest');

export const PresignedSchema = z
  .object({
    url: z.string(),
    method: z.enum(['PUT', 'GET']),
    expiresAt: z.string(),
    headers: z.record(z.string(), z.string()),
  })
  .openapi('PresignedLink');
