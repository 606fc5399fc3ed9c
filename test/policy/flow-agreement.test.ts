import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { CedarFlowPolicy } from '../../policy-engine/cedar-flow-policy.ts';
import { DEFAULT_DENY } from '../../policy-engine/verdict.ts';
import { shippedSources, withCatalogue, withPolicyFile } from '../support/policy-engine/bundle-sources.ts';
import { FLOW_EXCEPTION_EXAMPLE, FLOW_RULES_READING_MORE } from '../support/policy-engine/flow-examples.ts';
import { type ReferenceFlow, referenceFlowVerdict } from '../support/policy-engine/reference-flow-verdict.ts';
import { SiteRuleFlowPolicy } from '../support/policy-engine/site-rule-flow-policy.ts';
import { catalogueArb } from './arbitraries.ts';
import { decideFlow, type FlowSpec, flowOf, flowSpecArb } from './flow-arbitraries.ts';

/**
 * SiteRuleFlowPolicy is the spec the shipped flow policies were written from: on random requests against
 * random catalogues, CedarFlowPolicy permits exactly what it permits, and denies by the policy that
 * stands for the rule the stand-in named. And the engine's fast path (tenant slices, trimmed entities,
 * schema-less requests, verdict cache) decides exactly as plain, schema-validated Cedar would.
 */
const shipped = shippedSources();

/** The stand-in's rule → the shipped policy that carries it, per action. */
const SPEC_TO_POLICY: Record<ReferenceFlow['action'], Record<string, string>> = {
  attach: { 'builtin.phi-onprem-only': 'flow.phi-attach-onprem-only' },
  copy: { 'builtin.phi-onprem-only': 'flow.phi-copy-onprem-only' },
  expose: { 'builtin.no-public-address': 'flow.no-public-address-for-phi-pii' },
  link: {
    'builtin.tenant-isolation': 'flow.tenant-isolation',
    'builtin.phi-no-internet': 'flow.phi-no-internet',
    'builtin.phi-no-internet-inbound': 'flow.phi-no-internet-inbound',
    'builtin.no-internet-remote-admin': 'flow.no-internet-remote-admin',
    'builtin.phi-onprem-only': 'flow.phi-no-egress-public',
    'builtin.phi-same-site-inbound': 'flow.phi-inbound-same-site',
    // A "permit only when" rule (so that a tenant can have an exception): no policy to name, default deny.
    'builtin.onprem-via-endpoints': DEFAULT_DENY,
  },
};
const PERMITS: Record<ReferenceFlow['action'], string[]> = {
  attach: ['flow.attach-default-permit'],
  copy: ['flow.copy-default-permit'],
  expose: ['flow.expose-default-permit'],
  link: ['flow.link-default-permit', 'flow.onprem-via-service-endpoints'],
};

describe('CedarFlowPolicy agrees with SiteRuleFlowPolicy (the spec)', () => {
  it('permits exactly what the stand-in permits, and names the policy for the rule it names', () => {
    const spec = new SiteRuleFlowPolicy();
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        catalogueArb,
        fc.array(flowSpecArb, { minLength: 40, maxLength: 80 }),
        (catalogue, specs) => {
          const bundle = compileBundle(withCatalogue(shipped, catalogue));
          const cedar = new CedarFlowPolicy(bundle);
          for (const s of specs) {
            const flow = flowOf(s, bundle.catalogue.targets);
            const expected = decideFlow(spec, flow);
            const got = decideFlow(cedar, flow);
            const label = `${flow.action} ${JSON.stringify(s)}`;
            expect(got.permitted, `${label}: stand-in ${expected.policies}, cedar ${got.policies}`).toBe(
              expected.permitted,
            );
            if (got.permitted) {
              expect(got.policies.length).toBeGreaterThan(0);
              for (const id of got.policies) expect(PERMITS[flow.action]).toContain(id);
            } else {
              const rule = expected.policies[0]!;
              const policy = SPEC_TO_POLICY[flow.action][rule];
              expect(got.policies, label).toContain(policy);
              // Cedar names every forbid that matched: each must stand for one of the stand-in's rules.
              for (const id of got.policies) expect(Object.values(SPEC_TO_POLICY[flow.action])).toContain(id);
              if (got.policies.includes(DEFAULT_DENY)) expect(got.policies).toEqual([DEFAULT_DENY]);
            }
            const key = `${flow.action}:${expected.policies[0]}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
          }
        },
      ),
      { numRuns: 100 },
    );
    // Every rule of the stand-in came up, often: the sample covers the spec. The rarest rule (onprem via
    // endpoints) comes up about 35 times in 100 runs; more than 10 keeps the check from failing by chance.
    const rules = Object.entries(SPEC_TO_POLICY).flatMap(([a, m]) => Object.keys(m).map((r) => `${a}:${r}`));
    for (const key of [
      ...rules,
      'attach:builtin.default-permit',
      'copy:builtin.default-permit',
      'link:builtin.default-permit',
      'expose:builtin.default-permit',
    ])
      expect(seen.get(key) ?? 0, key).toBeGreaterThan(10);
  }, 120_000);
});

const shippedCatalogue = compileBundle(shipped).catalogue;

/** The request as st-jude-research's analytics would make it: tcp 11112 to a pii VM (or a range that
 * test.no-links-to-documentation-range forbids). */
function asStJude(spec: FlowSpec): FlowSpec {
  const principal = { ...spec.principal, tenant: 'st-jude-research' };
  if (spec.action !== 'link') return { ...spec, principal };
  const to = 'cidr' in spec.to ? { cidr: '203.0.113.64/26' } : { ...spec.to, classification: 'pii' as const };
  return { ...spec, principal, fromTenant: undefined, to, port: 11112, portTo: undefined, protocol: 'tcp' };
}

/**
 * A link the exception permits, as st-jude-research's analytics makes it (public VM → pii VM on
 * sandbox-onprem-north, tcp 11112): always among the examples, so the coverage check below cannot fail by
 * chance (a random sample misses the exception now and then: a CI run did).
 */
const exceptionUse: [FlowSpec, boolean] = [
  {
    action: 'link',
    principal: { sub: 'sub-st-jude-research', tenant: 'st-jude-research', roles: ['app'] },
    fromTenant: undefined,
    from: {
      classification: 'public',
      target: shippedCatalogue.targets.findIndex((t) => t.site === 'public'),
    },
    to: {
      classification: 'pii',
      target: shippedCatalogue.targets.findIndex((t) => t.id === 'sandbox-onprem-north'),
      tenant: undefined,
      serviceEndpoint: false,
    },
    port: 11112,
    portTo: undefined,
    protocol: 'tcp',
    direction: 'outbound',
  },
  true,
];

describe('CedarFlowPolicy decides as plain Cedar would', () => {
  const extended = withPolicyFile(
    withPolicyFile(shipped, 'example-exception.cedar', FLOW_EXCEPTION_EXAMPLE),
    'reading-more.cedar',
    FLOW_RULES_READING_MORE,
  );
  for (const [name, sources] of [
    ['shipped policies', shipped],
    ['with the docs exception and rules reading CIDRs, source targets and more', extended],
  ] as const)
    it(`${name}: slices, trimmed entities, schema-less requests and the cache change nothing`, () => {
      const named = new Set<string>();
      fc.assert(
        fc.property(
          // The shipped catalogue half the time: the exception names one of its targets.
          fc.oneof(fc.constant(shippedCatalogue), catalogueArb),
          fc.array(fc.tuple(flowSpecArb, fc.boolean()), { minLength: 20, maxLength: 40 }),
          (catalogue, specs) => {
            const bundle = compileBundle(withCatalogue(sources, catalogue));
            const cedar = new CedarFlowPolicy(bundle);
            for (const [s, twist] of specs) {
              // Half the requests come from the exception's tenant, as it would use it: its slice gets exercised.
              const flow = flowOf(twist ? asStJude(s) : s, bundle.catalogue.targets);
              const reference = referenceFlowVerdict(bundle, flow);
              const expected = {
                permitted: reference.allowed,
                policies: reference.policies,
                reasons: reference.reasons,
              };
              expect(decideFlow(cedar, flow)).toEqual(expected);
              expect(decideFlow(cedar, flow), 'from the cache').toEqual(expected);
              for (const id of expected.policies) named.add(id);
            }
          },
        ),
        {
          numRuns: 40,
          examples: [[shippedCatalogue, [exceptionUse]]],
        },
      );
      // Every policy of the bundle decided something in the sample, the extra ones included.
      for (const p of compileBundle(sources).policies)
        if (p.appliesTo.attach || p.appliesTo.copy || p.appliesTo.link) expect([...named]).toContain(p.id);
    }, 120_000);
});
