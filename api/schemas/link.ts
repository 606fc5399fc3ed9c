import { z } from '@hono/zod-openapi';
import { LINK_STATUSES } from '../../core/model/link.ts';
import { PageQuerySchema, page, withJsonSchema } from './common.ts';

const VmRef = z.object({ vmId: z.string().regex(/^vm-[0-9a-z]{26}$/, 'a vm- id') }).strict();

// The shape here; whether it is a network address with its host bits zero is checked by the service
// (core/links/cidr.ts, ipaddr.js), which answers 400 naming the network meant.
const CidrRef = z
  .object({
    cidr: z
      .string()
      .min(3)
      .max(64)
      .regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'an IPv4 or IPv6 network such as 10.20.0.0/16 or 2001:db8::/48')
      .openapi({
        example: '10.20.0.0/16',
        description:
          'an IPv4 or IPv6 network with its host bits zero (10.1.2.3/24 is refused, naming 10.1.2.0/24); IPv6 is stored in its RFC 5952 form',
      }),
  })
  .strict();

const Port = z.number().int().min(1).max(65_535);

export const CreateLinkSchema = z
  .object({
    from: z.union([VmRef, CidrRef]).openapi({
      description: 'a VM, or a network for an inbound link (then `to` must be a VM)',
    }),
    to: z.union([VmRef, CidrRef]),
    port: Port.optional().openapi({
      description: 'tcp and udp: one port (or give `ports`); absent for icmp',
    }),
    ports: z
      .object({ from: Port, to: Port })
      .strict()
      .optional()
      .openapi({ description: 'tcp and udp: a range of ports, both ends included (or give `port`)' }),
    protocol: z.enum(['tcp', 'udp', 'icmp']),
  })
  .strict()
  .openapi(
    'CreateLink',
    withJsonSchema({
      // The port rule in JSON Schema terms, so the document says what the service checks.
      oneOf: [
        {
          properties: { protocol: { const: 'icmp' } },
          not: { anyOf: [{ required: ['port'] }, { required: ['ports'] }] },
        },
        {
          properties: { protocol: { enum: ['tcp', 'udp'] } },
          oneOf: [{ required: ['port'] }, { required: ['ports'] }],
        },
      ],
    }),
  );

export const LinkSchema = z
  .object({
    id: z.string(),
    from: z.union([z.object({ vmId: z.string() }), z.object({ cidr: z.string() })]),
    to: z.union([z.object({ vmId: z.string() }), z.object({ cidr: z.string() })]),
    port: z.number().int().openapi({ description: 'the first (or only) port; 0 for icmp' }),
    ports: z
      .object({ from: z.number().int(), to: z.number().int() })
      .optional()
      .openapi({ description: 'tcp and udp: the range (from == to for a single port)' }),
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
