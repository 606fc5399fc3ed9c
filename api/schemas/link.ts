import { z } from '@hono/zod-openapi';
import { LINK_STATUSES } from '../../core/model/link.ts';
import { PageQuerySchema, page } from './common.ts';

const VmRef = z.object({ vmId: z.string().regex(/^vm-[0-9a-z]{26}$/, 'a vm- id') }).strict();

export const CreateLinkSchema = z
  .object({
    from: VmRef,
    to: z.union([
      VmRef,
      z
        .object({
          cidr: z
            .string()
            .regex(/^[0-9]{1,3}(\.[0-9]{1,3}){3}\/[0-9]{1,2}$/, 'an IPv4 network such as 10.20.0.0/16')
            .openapi({ example: '10.20.0.0/16' }),
        })
        .strict(),
    ]),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .openapi({ description: 'required for tcp and udp; absent for icmp' }),
    protocol: z.enum(['tcp', 'udp', 'icmp']),
  })
  .strict()
  .openapi('CreateLink');

export const LinkSchema = z
  .object({
    id: z.string(),
    from: z.object({ vmId: z.string() }),
    to: z.union([z.object({ vmId: z.string() }), z.object({ cidr: z.string() })]),
    port: z.number().int(),
    protocol: z.enum(['tcp', 'udp', 'icmp']),
    status: z.enum(LINK_STATUSES),
    policies: z.array(z.string()).openapi({ description: 'the policies that permitted the flow' }),
    rules: z.array(z.object({ end: z.enum(['from', 'to']), targetId: z.string() })),
    fault: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Link');

export const LinkPageSchema = page(LinkSchema, 'LinkPage');
export const LinkListQuerySchema = PageQuerySchema.extend({
  vmId: z
    .string()
    .regex(/^vm-[0-9a-z]{26}$/, 'a vm- id')
    .optional(),
});
