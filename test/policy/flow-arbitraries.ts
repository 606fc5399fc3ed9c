import fc from 'fast-check';
import { CLASSIFICATIONS, type Classification } from '../../core/classification.ts';
import { isInternet, parseCidr } from '../../core/links/cidr.ts';
import type { LinkProtocol } from '../../core/model/link.ts';
import { type Principal, ROLES } from '../../core/model/principal.ts';
import type { Target } from '../../core/model/target.ts';
import type { FlowDecision, FlowPolicy, LinkEndpoint } from '../../core/ports/flow-policy.ts';
import { ARTEFACT_KINDS, LINK_PROTOCOLS } from '../../policy-engine/flow-entities.ts';
import type { ReferenceFlow } from '../support/policy-engine/reference-flow-verdict.ts';
import { TENANTS } from './arbitraries.ts';

/**
 * Random attach, copy and link requests for the flow property tests. Targets are drawn by index from
 * whatever catalogue the property generated (flowOf), so the same request shape runs against random
 * catalogues: random sites, classifications, tenants, CIDRs and service-endpoint flags.
 */

const classificationArb = fc.constantFrom<Classification>(...CLASSIFICATIONS);
const tenantArb = fc.oneof(fc.constantFrom(...TENANTS), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/));

/** Mostly private and well-known ranges (so both sides of "the internet" come up), some anywhere. */
export const ipv4CidrArb: fc.Arbitrary<string> = fc
  .record({
    base: fc.oneof(
      fc.constantFrom(0x0a000000, 0xac100000, 0xc0a80000, 0x64400000, 0x08080800, 0xcb007100, 0),
      fc.integer({ min: 0, max: 0xffffffff }),
    ),
    offset: fc.integer({ min: 0, max: 0xfffff }),
    prefix: fc.integer({ min: 0, max: 32 }),
  })
  .map(({ base, offset, prefix }) => {
    const address = (base + offset) % 2 ** 32;
    const size = 2 ** (32 - prefix);
    const network = Math.floor(address / size) * size;
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256);
    return `${octets.join('.')}/${prefix}`;
  });

/** IPv6 networks: unique-local (private) and global ones, ::/0 included; written canonically. */
export const ipv6CidrArb: fc.Arbitrary<string> = fc
  .record({
    head: fc.oneof(fc.constantFrom(0xfd00, 0xfc00, 0x2001, 0x2a00, 0), fc.integer({ min: 0, max: 0xffff })),
    second: fc.integer({ min: 0, max: 0xffff }),
    prefix: fc.oneof(fc.constantFrom(0, 7, 8, 48, 64, 128), fc.integer({ min: 0, max: 32 })),
  })
  .map(({ head, second, prefix }) => {
    const bits = (head * 0x10000 + second) >>> 0;
    const kept = prefix >= 32 ? bits : prefix === 0 ? 0 : (bits >>> (32 - prefix)) * 2 ** (32 - prefix);
    return parseCidr(`${(kept >>> 16).toString(16)}:${(kept & 0xffff).toString(16)}::/${prefix}`)!.text;
  });

export const cidrArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: ipv4CidrArb, weight: 3 },
  { arbitrary: ipv6CidrArb, weight: 1 },
);

/** Ports around the ones policies name (SSH, RDP), so ranges covering them come up often. */
const portArb = fc.oneof(
  { arbitrary: fc.constantFrom(20, 22, 23, 3389, 3390, 443), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 65535 }), weight: 1 },
);

export function cidrEndpoint(cidr: string): LinkEndpoint {
  return { kind: 'cidr', cidr, internet: isInternet(parseCidr(cidr)!) };
}

const principalArb: fc.Arbitrary<Principal> = fc
  .record({ tenant: tenantArb, roles: fc.subarray([...ROLES], { minLength: 1 }) })
  .map(({ tenant, roles }) => ({ sub: `sub-${tenant}`, tenant, roles }));

/** A flow with targets as indices into a catalogue not known yet. */
export type FlowSpec =
  | { action: 'attach'; principal: Principal; volume: Classification; vm: Classification; target: number }
  | {
      action: 'copy';
      principal: Principal;
      kind: (typeof ARTEFACT_KINDS)[number];
      classification: Classification;
      from: number;
      to: number;
    }
  | {
      action: 'link';
      principal: Principal;
      /** The sending VM's tenant: the principal's, as the API does, or (rarely) another. */
      fromTenant: string | undefined;
      from: { classification: Classification; target: number };
      to:
        | { cidr: string }
        | {
            classification: Classification;
            target: number;
            tenant: string | undefined;
            serviceEndpoint: boolean;
          };
      port: number;
      /** The last port of a range (absent: a single port). */
      portTo: number | undefined;
      protocol: LinkProtocol;
      /** Inbound only applies to a CIDR `to`; flowOf makes it outbound otherwise. */
      direction: 'outbound' | 'inbound';
    }
  | { action: 'expose'; principal: Principal; classification: Classification; target: number };

const index = fc.nat({ max: 63 });

/** `undefined` (meaning "the same tenant") `weight` times as often as a value. */
function mostlyUndefined<T>(arb: fc.Arbitrary<T>, weight: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight }, { arbitrary: arb, weight: 1 });
}

export const flowSpecArb: fc.Arbitrary<FlowSpec> = fc.oneof(
  fc.record({
    action: fc.constant('attach' as const),
    principal: principalArb,
    volume: classificationArb,
    vm: classificationArb,
    target: index,
  }),
  fc.record({
    action: fc.constant('copy' as const),
    principal: principalArb,
    kind: fc.constantFrom(...ARTEFACT_KINDS),
    classification: classificationArb,
    from: index,
    to: index,
  }),
  fc.record({
    action: fc.constant('link' as const),
    principal: principalArb,
    fromTenant: mostlyUndefined(tenantArb, 7),
    from: fc.record({ classification: classificationArb, target: index }),
    to: fc.oneof(
      fc.record({ cidr: cidrArb }),
      fc.record({
        classification: classificationArb,
        target: index,
        tenant: mostlyUndefined(fc.constantFrom(...TENANTS), 3),
        serviceEndpoint: fc.boolean(),
      }),
    ),
    port: portArb,
    portTo: fc.option(portArb, { nil: undefined }),
    protocol: fc.constantFrom(...LINK_PROTOCOLS),
    direction: fc.constantFrom('outbound' as const, 'inbound' as const),
  }),
  fc.record({
    action: fc.constant('expose' as const),
    principal: principalArb,
    classification: classificationArb,
    target: index,
  }),
);

/** The request a spec makes against these targets (indices wrap around). */
export function flowOf(spec: FlowSpec, targets: readonly Target[]): ReferenceFlow {
  const at = (i: number) => targets[i % targets.length]!;
  const { principal } = spec;
  switch (spec.action) {
    case 'attach':
      return {
        action: 'attach',
        request: {
          principal,
          volume: { classification: spec.volume },
          vm: { classification: spec.vm },
          target: at(spec.target),
        },
      };
    case 'copy':
      return {
        action: 'copy',
        request: {
          principal,
          artefact: { kind: spec.kind, classification: spec.classification },
          from: at(spec.from),
          to: at(spec.to),
        },
      };
    case 'expose':
      return {
        action: 'expose',
        request: { principal, workload: { classification: spec.classification }, target: at(spec.target) },
      };
    case 'link': {
      const fromTenant = spec.fromTenant ?? principal.tenant;
      const to: LinkEndpoint =
        'cidr' in spec.to
          ? cidrEndpoint(spec.to.cidr)
          : {
              kind: 'vm',
              classification: spec.to.classification,
              target: at(spec.to.target),
              tenant: spec.to.tenant ?? fromTenant,
              serviceEndpoint: spec.to.serviceEndpoint,
            };
      return {
        action: 'link',
        request: {
          principal,
          from: {
            classification: spec.from.classification,
            target: at(spec.from.target),
            tenant: fromTenant,
          },
          to,
          port: spec.protocol === 'icmp' ? 0 : Math.min(spec.port, spec.portTo ?? spec.port),
          ...(spec.protocol === 'icmp' || spec.portTo === undefined
            ? {}
            : { portTo: Math.max(spec.port, spec.portTo) }),
          protocol: spec.protocol,
          direction: 'cidr' in spec.to ? spec.direction : 'outbound',
        },
      };
    }
  }
}

/** Asks a flow policy (Cedar or the stand-in) for a flow's decision. */
export function decideFlow(policy: FlowPolicy, flow: ReferenceFlow): FlowDecision {
  if (flow.action === 'attach') return policy.attach(flow.request);
  if (flow.action === 'copy') return policy.copy(flow.request);
  if (flow.action === 'expose') return policy.expose(flow.request);
  return policy.link(flow.request);
}
