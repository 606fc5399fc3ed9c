import { z } from '@hono/zod-openapi';
import { checkCidr } from '../../core/links/cidr.ts';
import { LINK_STATUSES } from '../../core/model/link.ts';
import { CIDR_PATTERN } from './cidr-pattern.ts';
import { PageQuerySchema, page, withJsonSchema } from './common.ts';

const VmRef = z.object({ vmId: z.string().regex(/^vm-[0-9a-z]{26}$/, 'a vm- id') }).strict();

const CIDR = new RegExp(CIDR_PATTERN);

// The pattern states which networks are valid (api/schemas/cidr-pattern.ts); the check says why one is
// not, naming the network meant when only the host bits are wrong.
const CidrRef = z
  .object({
    cidr: z
      .string()
      .min(3)
      .max(64)
      .superRefine((text, ctx) => {
        const parsed = checkCidr(text);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
        else if (!CIDR.test(text))
          ctx.addIssue({
            code: 'custom',
            message:
              'write an IPv6 network as the groups its prefix reaches, then :: (2001:db8::/32), or all eight groups',
          });
      })
      .openapi({
        pattern: CIDR_PATTERN,
        example: '10.20.0.0/16',
        description:
          'an IPv4 or IPv6 network with its host bits zero (10.1.2.3/24 is refused, naming 10.1.2.0/24); IPv6 shorter than /128 as the groups its prefix reaches then :: (2001:db8::/32, fc00::/7), or all eight groups; IPv6 is stored in its RFC 5952 form',
      }),
  })
  .strict()
  .openapi('LinkNetwork');

const Port = z.number().int().min(1).max(65_535);

const linkFields = {
  port: Port.optional().openapi({
    description: 'tcp and udp: one port (or give `ports`); absent for icmp',
  }),
  ports: z
    .object({ from: Port, to: Port })
    .strict()
    .optional()
    .openapi({ description: 'tcp and udp: a range of ports, both ends included (or give `port`)' }),
  protocol: z.enum(['tcp', 'udp', 'icmp']),
};

/**
 * A link's three shapes, each its own object so that the document states which `to` goes with which
 * `from` (a network reaches only a VM). Network → VM comes first: when a request fits none, the error
 * names the fields of the shape it came closest to (api/validation.ts), and for a network → network
 * request that is `body.to`.
 */
/** The port rule in JSON Schema terms, on each shape, so the document says what the service checks. */
const PORT_RULE = {
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
};

const NetworkToVm = z
  .object({ from: CidrRef, to: VmRef, ...linkFields })
  .strict()
  .openapi(
    'NetworkToVmLink',
    withJsonSchema({ description: 'inbound: from a network to a VM', ...PORT_RULE }),
  );
const VmToVm = z
  .object({ from: VmRef, to: VmRef, ...linkFields })
  .strict()
  .openapi('VmToVmLink', withJsonSchema({ description: 'between two VMs', ...PORT_RULE }));
const VmToNetwork = z
  .object({ from: VmRef, to: CidrRef, ...linkFields })
  .strict()
  .openapi(
    'VmToNetworkLink',
    withJsonSchema({ description: 'outbound: from a VM to a network', ...PORT_RULE }),
  );

export const CreateLinkSchema = z.union([NetworkToVm, VmToVm, VmToNetwork]).openapi('CreateLink', {
  description: 'a link: between two VMs, from a VM to a network, or from a network to a VM',
});

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
