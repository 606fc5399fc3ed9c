import { z } from 'zod';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import { isInternet, parseCidr } from '../../core/links/cidr.ts';
import { ROLES } from '../../core/model/principal.ts';
import type { Target, TargetCatalogue } from '../../core/model/target.ts';
import type {
  AttachRequest,
  CopyRequest,
  ExposeRequest,
  LinkEndpoint,
  LinkRequest,
} from '../../core/ports/flow-policy.ts';
import { ARTEFACT_KINDS, LINK_PROTOCOLS } from '../flow-entities.ts';

/**
 * Flow policy tests (policies/tests/*.yaml, keys `attach:`, `copy:`, `link:`): one request each, as the
 * API would make it, and whether it is allowed by which policies. Targets are named by their id in
 * targets.yaml; tenants default to the principal's. See docs/policies.md for the format.
 */
const principal = z
  .object({
    sub: z.string().min(1).default('policy-test'),
    tenant: z.string().min(1),
    roles: z.array(z.enum(ROLES)).min(1),
  })
  .strict();

const classification = z.enum(CLASSIFICATIONS);
const expectation = z
  .object({ allowed: z.boolean(), policies: z.array(z.string()).nullable().optional() })
  .strict();
const cidr = z
  .string()
  .refine(
    (text) => parseCidr(text) !== undefined,
    'a network such as 10.20.0.0/16 or 2001:db8::/48 (host bits zero)',
  );
const port = z.number().int().min(0).max(65535);

export const attachCase = z
  .object({
    name: z.string().min(1),
    principal,
    volume: z.object({ classification }).strict(),
    /** The VM the volume attaches to, and its target (the volume is on the same one). */
    vm: z.object({ classification, target: z.string().min(1) }).strict(),
    expect: expectation,
  })
  .strict();

export const copyCase = z
  .object({
    name: z.string().min(1),
    principal,
    artefact: z.object({ kind: z.enum(ARTEFACT_KINDS), classification }).strict(),
    from: z.string().min(1),
    to: z.string().min(1),
    expect: expectation,
  })
  .strict();

const linkVm = z
  .object({
    classification,
    target: z.string().min(1),
    tenant: z.string().min(1).optional(),
    serviceEndpoint: z.boolean().default(false),
  })
  .strict();

/**
 * A link as the API takes it: VM → VM, VM → network (outbound) or network → VM (inbound). Whether a
 * network is the internet is worked out from the CIDR, as the broker does.
 */
export const linkCase = z
  .object({
    name: z.string().min(1),
    principal,
    from: z.union([z.object({ cidr }).strict(), linkVm], {
      error: 'a VM { classification, target, tenant? } or a network { cidr } (inbound)',
    }),
    to: z.union([z.object({ cidr }).strict(), linkVm], {
      error: 'a network { cidr } or a VM { classification, target, tenant?, serviceEndpoint? }',
    }),
    protocol: z.enum(LINK_PROTOCOLS).default('tcp'),
    /** Omitted: 0, as for icmp. */
    port: port.default(0),
    /** A range instead of `port`. */
    ports: z.object({ from: port, to: port }).strict().optional(),
    expect: expectation,
  })
  .strict()
  .refine((c) => !('cidr' in c.from && 'cidr' in c.to), 'a link has at least one VM end')
  .refine((c) => !(c.ports && c.port !== 0), 'either port or ports');

export const exposeCase = z
  .object({
    name: z.string().min(1),
    principal,
    /** The VM that would get a public address, and its target. */
    vm: z.object({ classification, target: z.string().min(1) }).strict(),
    expect: expectation,
  })
  .strict();

export type AttachCase = z.infer<typeof attachCase> & { action: 'attach' };
export type CopyCase = z.infer<typeof copyCase> & { action: 'copy' };
export type LinkCase = z.infer<typeof linkCase> & { action: 'link' };
export type ExposeCase = z.infer<typeof exposeCase> & { action: 'expose' };
export type FlowCase = AttachCase | CopyCase | LinkCase | ExposeCase;

export type FlowRequest =
  | { action: 'attach'; request: AttachRequest }
  | { action: 'copy'; request: CopyRequest }
  | { action: 'link'; request: LinkRequest }
  | { action: 'expose'; request: ExposeRequest };

/** The request a flow case makes. Throws naming a target the catalogue does not list. */
export function flowRequestOf(test: FlowCase, catalogue: TargetCatalogue): FlowRequest {
  const target = (id: string): Target => {
    const found = catalogue.targets.find((t) => t.id === id);
    if (!found) throw new Error(`unknown target ${id} (not in targets.yaml)`);
    return found;
  };
  const { principal } = test;
  switch (test.action) {
    case 'attach':
      return {
        action: 'attach',
        request: { principal, volume: test.volume, vm: test.vm, target: target(test.vm.target) },
      };
    case 'copy':
      return {
        action: 'copy',
        request: { principal, artefact: test.artefact, from: target(test.from), to: target(test.to) },
      };
    case 'expose':
      return {
        action: 'expose',
        request: {
          principal,
          workload: { classification: test.vm.classification },
          target: target(test.vm.target),
        },
      };
    case 'link': {
      // Inbound (from a network): the VM is the link's VM end, the network the other end.
      const inbound = 'cidr' in test.from;
      const vmEnd = inbound ? test.to : test.from;
      const otherEnd = inbound ? test.from : test.to;
      if ('cidr' in vmEnd) throw new Error('a link has at least one VM end');
      const to: LinkEndpoint =
        'cidr' in otherEnd
          ? { kind: 'cidr', cidr: otherEnd.cidr, internet: isInternet(parseCidr(otherEnd.cidr)!) }
          : {
              kind: 'vm',
              classification: otherEnd.classification,
              target: target(otherEnd.target),
              tenant: otherEnd.tenant ?? principal.tenant,
              serviceEndpoint: otherEnd.serviceEndpoint,
            };
      return {
        action: 'link',
        request: {
          principal,
          from: {
            classification: vmEnd.classification,
            target: target(vmEnd.target),
            tenant: vmEnd.tenant ?? principal.tenant,
          },
          to,
          port: test.ports?.from ?? test.port,
          ...(test.ports ? { portTo: test.ports.to } : {}),
          protocol: test.protocol,
          direction: inbound ? 'inbound' : 'outbound',
        },
      };
    }
  }
}
