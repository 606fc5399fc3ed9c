import { z } from '@hono/zod-openapi';
import { VM_ACTIONS, VM_STATUSES, type VmActionType } from '../../core/model/vm.ts';
import {
  CatalogueNameSchema,
  ClassificationSchema,
  labelText,
  multilineText,
  PageQuerySchema,
  page,
  RegionSchema,
  ResourceNameSchema,
  TagsSchema,
  TargetIdSchema,
  TargetRefSchema,
} from './common.ts';
import { OperationSchema } from './operation.ts';
import { VmHostingSchema } from './vm-hosting.ts';

const NameSchema = ResourceNameSchema;

// Where bucket, volume and placement schemas used to take it from.
export { TagsSchema };

export const CreateVmSchema = z
  .object({
    name: NameSchema.openapi({ example: 'lab-results-worker' }),
    size: CatalogueNameSchema(63).openapi({ example: 'small' }),
    image: CatalogueNameSchema(128).openapi({ example: 'ubuntu-24.04' }),
    classification: ClassificationSchema,
    region: RegionSchema.optional().openapi({
      description:
        'run only in this region of the catalogue (a constraint: no permitted target there is a 403)',
    }),
    userData: multilineText(16_384)
      .optional()
      .openapi({ description: 'cloud-init; for phi VMs it is kept only on the on-prem target' }),
    tags: TagsSchema.optional(),
    networks: z
      .array(z.string().regex(/^net-[0-9a-z]{26}$/, 'a net- id'))
      .min(1)
      .max(1)
      .optional()
      .openapi({
        description:
          "a tenant network to join instead of the target's default (one for now): the tenant's own, active, on one target, classified at least as the VM; the VM runs on their target",
      }),
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
    serviceEndpoint: z.boolean().openapi({
      description: 'designated by an admin as a way into its site (PUT /v1/vms/{id}/service-endpoint)',
    }),
    status: z.enum(VM_STATUSES),
    task: z.string().optional(),
    placement: TargetRefSchema.optional(),
    addresses: z.array(
      z
        .object({ ip: z.string(), type: z.enum(['private', 'public']) })
        .openapi('VmAddress', { description: 'fixed addresses are private; floating / Elastic IPs public' }),
    ),
    networks: z.array(z.string()).optional().openapi({ description: 'the tenant networks it joined' }),
    hasUserData: z.boolean(),
    operationId: z.string(),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    hosting: VmHostingSchema.optional(),
  })
  .openapi('Vm');

export const VmPageSchema = page(VmSchema, 'VmPage');

export const VmListQuerySchema = PageQuerySchema.extend({
  status: z.enum(VM_STATUSES).optional(),
  classification: ClassificationSchema.optional(),
  targetId: TargetIdSchema.optional(),
  name: labelText(63).optional().openapi({ description: 'name prefix' }),
});

export const VmWithOperationSchema = z
  .object({ vm: VmSchema, operation: OperationSchema })
  .openapi('VmWithOperation');

const plain = <T extends string>(type: T) => z.object({ type: z.literal(type) }).strict();

/** Each action's body, one per entry of VM_ACTIONS (core/model/vm.ts): the compiler holds them together. */
const ACTION_BODIES = {
  start: plain('start'),
  stop: plain('stop'),
  reboot: z.object({ type: z.literal('reboot'), mode: z.enum(['soft', 'hard']).default('soft') }).strict(),
  pause: plain('pause'),
  unpause: plain('unpause'),
  resize: z.object({ type: z.literal('resize'), size: CatalogueNameSchema(63) }).strict(),
  snapshot: z.object({ type: z.literal('snapshot'), name: NameSchema.optional() }).strict(),
  console: plain('console'),
  migrate: z
    .object({
      type: z.literal('migrate'),
      targetId: TargetIdSchema.optional(),
      host: labelText(255).optional(),
    })
    .strict(),
} satisfies { [A in VmActionType]: z.ZodType<{ type: A }> };
type ActionBody = (typeof ACTION_BODIES)[VmActionType];

export const VmActionSchema = z
  .discriminatedUnion('type', VM_ACTIONS.map((a) => ACTION_BODIES[a]) as [ActionBody, ...ActionBody[]])
  .openapi('VmAction');

export const ConsoleSchema = z
  .object({
    vm: VmSchema,
    console: z.union([
      z
        .object({
          kind: z.literal('url'),
          protocol: z.string(),
          type: z.string().openapi({ description: '`novnc` (OpenStack), `simulated-novnc` (sandbox)' }),
          url: z
            .string()
            .openapi({ description: 'opens once, until expiresAt: the token in it is one-time' }),
          expiresAt: z.string(),
        })
        .openapi({ title: 'ConsoleLink' }),
      z
        .object({
          kind: z.literal('output'),
          type: z.literal('console-output').openapi({ description: 'AWS: EC2 GetConsoleOutput' }),
          output: z.string(),
        })
        .openapi({ title: 'ConsoleOutput' }),
    ]),
  })
  .openapi('VmConsole');
