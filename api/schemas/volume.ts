import { z } from '@hono/zod-openapi';
import { SNAPSHOT_STATUSES, VOLUME_STATUSES } from '../../core/model/volume.ts';
import {
  ClassificationSchema,
  PageQuerySchema,
  page,
  RegionSchema,
  ResourceNameSchema,
  TagsSchema,
  TargetIdSchema,
  TargetRefSchema,
} from './common.ts';
import { OperationSchema } from './operation.ts';

const NameSchema = ResourceNameSchema;

/** As the catalogue spells logical names; whether the catalogue has it is the service's 400. */
const VolumeTypeNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{0,62}$/, 'a logical volume type: lowercase letters, digits, dots and dashes');

export const CreateVolumeSchema = z
  .object({
    name: NameSchema.openapi({ example: 'imaging-scratch' }),
    sizeGiB: z.number().int().min(1).max(16_384),
    type: VolumeTypeNameSchema.optional().openapi({
      description: 'a logical volume type (GET /v1/volume-types); default `standard`',
    }),
    classification: ClassificationSchema,
    region: RegionSchema.optional(),
    tags: TagsSchema.optional(),
    snapshotId: z
      .string()
      .regex(/^snap-[0-9a-z]{26}$/, 'a snap- id')
      .optional()
      .openapi({
        description:
          "restore from a snapshot (on the snapshot's target; classification at least the snapshot's)",
      }),
  })
  .strict()
  .openapi('CreateVolume');

export const VolumeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    sizeGiB: z.number().int(),
    type: z.string().openapi({ example: 'standard', description: 'its logical volume type' }),
    classification: ClassificationSchema,
    region: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    status: z.enum(VOLUME_STATUSES),
    task: z.string().optional(),
    placement: TargetRefSchema.optional(),
    attachment: z.object({ vmId: z.string(), device: z.string().optional() }).optional(),
    sourceSnapshotId: z.string().optional(),
    operationId: z.string(),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Volume');

export const SnapshotSchema = z
  .object({
    id: z.string(),
    volumeId: z.string(),
    name: z.string(),
    sizeGiB: z.number().int(),
    classification: ClassificationSchema,
    status: z.enum(SNAPSHOT_STATUSES),
    placement: TargetRefSchema,
    backupPolicyId: z.string().optional().openapi({ description: 'the backup policy whose run took it' }),
    operationId: z.string(),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Snapshot');

export const VolumePageSchema = page(VolumeSchema, 'VolumePage');
export const SnapshotPageSchema = page(SnapshotSchema, 'SnapshotPage');
export const VolumeWithOperationSchema = z
  .object({ volume: VolumeSchema, operation: OperationSchema })
  .openapi('VolumeWithOperation');
export const SnapshotWithOperationSchema = z
  .object({ snapshot: SnapshotSchema, operation: OperationSchema })
  .openapi('SnapshotWithOperation');

export const VolumeListQuerySchema = PageQuerySchema.extend({
  status: z.enum(VOLUME_STATUSES).optional(),
  classification: ClassificationSchema.optional(),
  targetId: TargetIdSchema.optional(),
  vmId: z
    .string()
    .regex(/^vm-[0-9a-z]{26}$/, 'a vm- id')
    .optional(),
});

export const AttachSchema = z
  .object({ vmId: z.string().regex(/^vm-[0-9a-z]{26}$/, 'a vm- id') })
  .strict()
  .openapi('Attach');
export const SnapshotRequestSchema = z.object({ name: NameSchema }).strict().openapi('CreateSnapshot');

export const ExtendVolumeSchema = z
  .object({
    sizeGiB: z
      .number()
      .int()
      .min(2)
      .max(16_384)
      .openapi({ description: 'the new size, larger than the current one (volumes never shrink)' }),
  })
  .strict()
  .openapi('ExtendVolume');

export const RetypeVolumeSchema = z
  .object({
    type: VolumeTypeNameSchema.openapi({
      example: 'ssd',
      description: 'the logical volume type to change to',
    }),
    targetId: TargetIdSchema.optional().openapi({
      description:
        'the target the volume is expected on; a retype never moves a volume, so any other is refused (403 when policy forbids the move, as for a phi volume and a public target; 409 otherwise)',
    }),
  })
  .strict()
  .openapi('RetypeVolume');
