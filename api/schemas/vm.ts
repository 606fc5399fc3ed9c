import { z } from '@hono/zod-openapi';
import { VM_STATUSES } from '../../core/model/vm.ts';
import { ClassificationSchema, PageQuerySchema, page, TargetRefSchema, withJsonSchema } from './common.ts';
import { OperationSchema } from './operation.ts';

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TAG_KEY = /^(?!hcb:)[A-Za-z0-9][A-Za-z0-9:._/-]{0,62}$/;

const NameSchema = z.string().regex(NAME, 'lowercase letters, digits and inner dashes, 1–63 characters');

export const TagsSchema = z
  .record(
    z.string().regex(TAG_KEY, 'tag keys: 1–63 of A-Z a-z 0-9 : . _ / -, not starting with hcb:'),
    z.string().max(255),
  )
  .refine((tags) => Object.keys(tags).length <= 20, 'at most 20 tags')
  .openapi(
    withJsonSchema({
      description: 'labels (no PHI); keys starting with hcb: are reserved',
      // zod's record key check does not reach the document on its own.
      propertyNames: { type: 'string', pattern: TAG_KEY.source },
      maxProperties: 20,
    }),
  );

export const CreateVmSchema = z
  .object({
    name: NameSchema.openapi({ example: 'lab-results-worker' }),
    size: z.string().min(1).max(63).openapi({ example: 'small' }),
    image: z.string().min(1).max(128).openapi({ example: 'ubuntu-24.04' }),
    classification: ClassificationSchema,
    region: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: 'preferred region (a wish, not a rule)' }),
    userData: z
      .string()
      .max(16_384)
      .optional()
      .openapi({ description: 'cloud-init; for phi VMs it is kept only on the on-prem target' }),
    tags: TagsSchema.optional(),
  })
  .strict()
  .openapi('CreateVm');

export const VmSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.string(),
    image: z.string(),
    classification: ClassificationSchema,
    region: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    status: z.enum(VM_STATUSES),
    task: z.string().optional(),
    placement: TargetRefSchema.optional(),
    addresses: z.array(z.string()),
    hasUserData: z.boolean(),
    operationId: z.string(),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Vm');

export const VmPageSchema = page(VmSchema, 'VmPage');

export const VmListQuerySchema = PageQuerySchema.extend({
  status: z.enum(VM_STATUSES).optional(),
  classification: ClassificationSchema.optional(),
  targetId: z.string().min(1).max(64).optional(),
  name: z.string().min(1).max(63).optional().openapi({ description: 'name prefix' }),
});

export const VmWithOperationSchema = z
  .object({ vm: VmSchema, operation: OperationSchema })
  .openapi('VmWithOperation');

const plain = <T extends string>(type: T) => z.object({ type: z.literal(type) }).strict();

export const VmActionSchema = z
  .discriminatedUnion('type', [
    plain('start'),
    plain('stop'),
    z.object({ type: z.literal('reboot'), mode: z.enum(['soft', 'hard']).default('soft') }).strict(),
    plain('pause'),
    plain('unpause'),
    z.object({ type: z.literal('resize'), size: z.string().min(1).max(63) }).strict(),
    z.object({ type: z.literal('snapshot'), name: NameSchema.optional() }).strict(),
    plain('console'),
    z
      .object({
        type: z.literal('migrate'),
        targetId: z.string().min(1).max(64).optional(),
        host: z.string().max(255).optional(),
      })
      .strict(),
  ])
  .openapi('VmAction');

export const ConsoleSchema = z
  .object({
    vm: VmSchema,
    console: z.union([
      z.object({ kind: z.literal('url'), protocol: z.string(), url: z.string() }),
      z.object({ kind: z.literal('output'), output: z.string() }),
    ]),
  })
  .openapi('VmConsole');
