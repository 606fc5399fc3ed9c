import { z } from '@hono/zod-openapi';
import { NETWORK_STATUSES } from '../../core/model/network.ts';
import {
  checkNetworkCidr,
  NETWORK_PREFIX_MAX,
  NETWORK_PREFIX_MIN,
} from '../../core/networks/network-cidr.ts';
import { networkCidrPattern } from './cidr-pattern.ts';
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

const NETWORK_CIDR_PATTERN = networkCidrPattern(NETWORK_PREFIX_MIN, NETWORK_PREFIX_MAX);
const NETWORK_CIDR = new RegExp(NETWORK_CIDR_PATTERN);

// The pattern states which ranges are valid (api/schemas/cidr-pattern.ts); the core's check says why one
// is not (host bits set, a public range, a prefix a cloud cannot hold).
const CidrSchema = z
  .string()
  .min(9)
  .max(18)
  .superRefine((text, ctx) => {
    const checked = checkNetworkCidr(text);
    if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.reason });
    else if (!NETWORK_CIDR.test(text))
      ctx.addIssue({ code: 'custom', message: 'dotted decimal without leading zeros, such as 10.40.0.0/24' });
  })
  .openapi({
    pattern: NETWORK_CIDR_PATTERN,
    description: 'the subnet: a private IPv4 range, /16 to /28, network address only',
    example: '10.40.0.0/24',
  });

export const CreateNetworkSchema = z
  .object({
    name: ResourceNameSchema,
    classification: ClassificationSchema,
    cidr: CidrSchema,
    region: RegionSchema.optional(),
    tags: TagsSchema.optional(),
  })
  .strict()
  .openapi('CreateNetwork');

export const NetworkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    classification: ClassificationSchema,
    cidr: z.string(),
    region: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    status: z.enum(NETWORK_STATUSES),
    placement: TargetRefSchema.optional(),
    operationId: z.string(),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Network');

export const NetworkPageSchema = page(NetworkSchema, 'NetworkPage');
export const NetworkWithOperationSchema = z
  .object({ network: NetworkSchema, operation: OperationSchema })
  .openapi('NetworkWithOperation');

export const NetworkListQuerySchema = PageQuerySchema.extend({
  status: z.enum(NETWORK_STATUSES).optional(),
  classification: ClassificationSchema.optional(),
  targetId: TargetIdSchema.optional(),
});
