import { z } from '@hono/zod-openapi';
import { LINK_STATUSES } from '../../core/model/link.ts';
import { PageQuerySchema, page, withJsonSchema } from './common.ts';

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_CIDR = `^(${OCTET}\\.){3}${OCTET}/(3[0-2]|[12]?[0-9])$`;

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
            .regex(new RegExp(IPV4_CIDR), 'an IPv4 network such as 10.20.0.0/16')
            .openapi({ example: '10.20.0.0/16', description: 'an IPv4 network with its host bits zero' }),
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
  .openapi(
    'CreateLink',
    withJsonSchema({
      // The port rule in JSON Schema terms, so the document says what the service checks.
      oneOf: [
        { properties: { protocol: { const: 'icmp' } }, not: { required: ['port'] } },
        { properties: { protocol: { enum: ['tcp', 'udp'] } }, required: ['port'] },
      ],
    }),
  );

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
