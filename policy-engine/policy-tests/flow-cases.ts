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
  .refine((text) => parseCidr(text) !== undefined, 'an IPv4 network such as 10.20.0.0/16 (host bits zero)');

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

export const linkCase = z
  .object({
    name: z.string().min(1),
    principal,
    from: z
      .object({ classification, target: z.string().min(1), tenant: z.string().min(1).optional() })
      .strict(),
    /** A VM, or a network: whether it is the internet is worked out from the CIDR, as the broker does. */
    to: z.union(
      [
        z.object({ cidr }).strict(),
        z
          .object({
            classification,
            target: z.string().min(1),
            tenant: z.string().min(1).optional(),
            serviceEndpoint: z.boolean().default(false),
          })
          .strict(),
      ],
      { error: 'a network { cidr } or a VM { classification, target, tenant?, serviceEndpoint? }' },
    ),
    protocol: z.enum(LINK_PROTOCOLS).default('tcp'),
    /** Omitted: 0, as for icmp. */
    port: z.number().int().min(0).max(65535).default(0),
    expect: expectation,
  })
  .strict();

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
      const to: LinkEndpoint =
        'cidr' in test.to
          ? { kind: 'cidr', cidr: test.to.cidr, internet: isInternet(parseCidr(test.to.cidr)!) }
          : {
              kind: 'vm',
              classification: test.to.classification,
              target: target(test.to.target),
              tenant: test.to.tenant ?? principal.tenant,
              serviceEndpoint: test.to.serviceEndpoint,
            };
      return {
        action: 'link',
        request: {
          principal,
          from: {
            classification: test.from.classification,
            target: target(test.from.target),
            tenant: test.from.tenant ?? principal.tenant,
          },
          to,
          port: test.port,
          protocol: test.protocol,
        },
      };
    }
  }
}
