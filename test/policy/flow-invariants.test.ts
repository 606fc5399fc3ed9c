import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { compileBundle, type PolicyBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { CedarFlowPolicy } from '../../policy-engine/cedar-flow-policy.ts';
import { EVALUATION_ERROR } from '../../policy-engine/verdict.ts';
import { shippedSources, withCatalogue, withPolicyFile } from '../support/policy-engine/bundle-sources.ts';
import type { ReferenceFlow } from '../support/policy-engine/reference-flow-verdict.ts';
import { catalogueArb } from './arbitraries.ts';
import { decideFlow, type FlowSpec, flowOf, flowSpecArb } from './flow-arbitraries.ts';

/**
 * I1 over flows, under the shipped policies, tried with thousands of random attach, copy and link
 * requests against random catalogues: a phi volume never attaches to a VM on a public-site target, a phi
 * image or snapshot is never copied to one, and a phi VM never links to one nor to the internet. No
 * permit lifts that, however broad; and every evaluation error denies.
 */
const shipped = shippedSources();
const flowsArb = fc.array(flowSpecArb, { minLength: 30, maxLength: 60 });

/** Why this flow would break I1 (or phi's same-site inbound rule) if it were permitted. */
function phiBreach(flow: ReferenceFlow): string | undefined {
  if (flow.action === 'attach') {
    const { volume, target } = flow.request;
    return volume.classification === 'phi' && target.site !== 'onprem'
      ? `a phi volume attached on ${target.id}`
      : undefined;
  }
  if (flow.action === 'copy') {
    const { artefact, to } = flow.request;
    return artefact.classification === 'phi' && to.site !== 'onprem'
      ? `a phi ${artefact.kind} copied to ${to.id}`
      : undefined;
  }
  if (flow.action === 'expose') {
    const { workload, target } = flow.request;
    return workload.classification === 'phi' || workload.classification === 'pii'
      ? `a ${workload.classification} VM given a public address on ${target.id}`
      : undefined;
  }
  const { from, to } = flow.request;
  if (from.classification === 'phi' && to.kind === 'cidr' && to.internet)
    return `a phi VM linked to the internet (${to.cidr})`;
  if (from.classification === 'phi' && to.kind === 'vm' && to.target.site !== 'onprem')
    return `a phi VM linked to a VM on ${to.target.id}`;
  if (to.kind === 'vm' && to.classification === 'phi' && to.target.site !== from.target.site)
    return `a phi VM reached from another site (${from.target.site})`;
  return undefined;
}

function flowsOn(bundle: PolicyBundle, specs: readonly FlowSpec[]): ReferenceFlow[] {
  return specs.map((spec) => flowOf(spec, bundle.catalogue.targets));
}

describe('I1 holds for flows under the shipped policies', () => {
  it('never permits phi onto, into or towards a public target or the internet (thousands of requests)', () => {
    const refused = { attach: 0, copy: 0, link: 0, expose: 0 };
    let asked = 0;
    fc.assert(
      fc.property(catalogueArb, flowsArb, (catalogue, specs) => {
        const bundle = compileBundle(withCatalogue(shipped, catalogue));
        const flows = new CedarFlowPolicy(bundle);
        for (const flow of flowsOn(bundle, specs)) {
          asked += 1;
          const decision = decideFlow(flows, flow);
          const breach = phiBreach(flow);
          if (breach === undefined) continue;
          expect(decision.permitted, `${breach}: permitted by ${decision.policies}`).toBe(false);
          expect(decision.policies.every((id) => id.startsWith('flow.'))).toBe(true);
          refused[flow.action] += 1;
        }
      }),
      { numRuns: 100 },
    );
    expect(asked).toBeGreaterThan(3000);
    // Not vacuous: each kind of flow did try to move phi towards public targets, and was refused.
    for (const count of Object.values(refused)) expect(count).toBeGreaterThan(100);
  }, 120_000);

  it('no permit, however broad — an exception for the tenant or one for everybody — lifts the phi forbids', () => {
    const wide = withPolicyFile(
      shipped,
      'too-wide.cedar',
      '@id("exception.mercy-clinic.every-flow")\n' +
        'permit (principal in Tenant::"mercy-clinic", action in [Action::"attach", Action::"copy", Action::"link"], resource);\n' +
        '@id("too-wide.every-flow")\n' +
        'permit (principal, action in [Action::"attach", Action::"copy", Action::"link"], resource);\n',
    );
    let refused = 0;
    fc.assert(
      fc.property(catalogueArb, flowsArb, (catalogue, specs) => {
        const bundle = compileBundle(withCatalogue(wide, catalogue));
        const flows = new CedarFlowPolicy(bundle);
        const mercy = specs.map((s) => ({ ...s, principal: { ...s.principal, tenant: 'mercy-clinic' } }));
        for (const flow of flowsOn(bundle, [...specs, ...mercy])) {
          const breach = phiBreach(flow);
          if (breach === undefined) continue;
          expect(decideFlow(flows, flow).permitted, breach).toBe(false);
          refused += 1;
        }
      }),
      { numRuns: 40 },
    );
    expect(refused).toBeGreaterThan(200);
  }, 120_000);
});

describe('flows fail closed', () => {
  it('an erroring policy denies every flow, even where the other policies permit', () => {
    const broken = compileBundle(
      withPolicyFile(
        shipped,
        'broken.cedar',
        '@id("broken.always-errors")\n' +
          'forbid (principal, action in [Action::"attach", Action::"copy", Action::"link", Action::"expose"], resource)\n' +
          'when { principal has tenant && 9223372036854775807 * 2 > 0 };\n',
      ),
    );
    const flows = new CedarFlowPolicy(broken);
    fc.assert(
      fc.property(flowSpecArb, (spec) => {
        const decision = decideFlow(flows, flowOf(spec, broken.catalogue.targets));
        expect(decision.permitted).toBe(false);
        expect(decision.policies).toContain('broken.always-errors');
        expect(decision.reasons.join(' ')).toContain('fail closed');
      }),
      { numRuns: 500 },
    );
  });

  it('target entities missing attributes policies read never let phi through; I1 holds whatever is missing', () => {
    fc.assert(
      fc.property(
        catalogueArb,
        fc.func(fc.subarray(['site', 'jurisdiction', 'hipaaEligible'])),
        flowsArb,
        (catalogue, dropped, specs) => {
          const bundle = compileBundle(withCatalogue(shipped, catalogue));
          const targets = bundle.targets as Map<
            string,
            typeof bundle.targets extends ReadonlyMap<string, infer E> ? E : never
          >;
          for (const [id, entity] of targets) {
            const names = dropped(id);
            targets.set(id, {
              ...entity,
              attrs: Object.fromEntries(Object.entries(entity.attrs).filter(([n]) => !names.includes(n))),
            });
          }
          const flows = new CedarFlowPolicy(bundle);
          for (const flow of flowsOn(bundle, specs)) {
            const decision = decideFlow(flows, flow);
            if (phiBreach(flow) !== undefined) expect(decision.permitted).toBe(false);
            const resource =
              flow.action === 'attach'
                ? flow.request.target
                : flow.action === 'copy'
                  ? flow.request.to
                  : undefined;
            const phi =
              (flow.action === 'attach' && flow.request.volume.classification === 'phi') ||
              (flow.action === 'copy' && flow.request.artefact.classification === 'phi');
            // phi asks for the resource target's site: without it, the forbid errors and the flow is denied,
            // naming the policy that failed.
            if (phi && resource && dropped(resource.id).includes('site')) {
              expect(decision.permitted).toBe(false);
              expect(decision.reasons.join('\n')).toMatch(/failed: .*site.*\(denied: fail closed\)/);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('a target the bundle does not know, or knows differently, denies', () => {
    const bundle = compileBundle(shipped);
    const flows = new CedarFlowPolicy(bundle);
    const stranger = (t: Target): Target => ({ ...t, id: `${t.id}-unknown` });
    const moved = (t: Target): Target => ({ ...t, site: t.site === 'onprem' ? 'public' : 'onprem' });
    const relabelled = (t: Target): Target => ({ ...t, attributes: { ...t.attributes, jurisdiction: 'XX' } });
    fc.assert(
      fc.property(flowSpecArb, fc.constantFrom(stranger, moved, relabelled), (spec, change) => {
        const targets = bundle.catalogue.targets.map(change);
        const decision = decideFlow(flows, flowOf(spec, targets));
        expect(decision).toMatchObject({ permitted: false, policies: [EVALUATION_ERROR] });
      }),
      { numRuns: 300 },
    );
    // The same targets as other objects (a copy of the catalogue) are the same targets.
    const copies = bundle.catalogue.targets.map((t) => structuredClone(t));
    fc.assert(
      fc.property(flowSpecArb, (spec) => {
        const here = decideFlow(flows, flowOf(spec, copies));
        expect(here).toEqual(decideFlow(flows, flowOf(spec, bundle.catalogue.targets)));
      }),
      { numRuns: 300 },
    );
  });
});
