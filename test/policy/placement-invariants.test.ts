import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import {
  type PlacementDecision,
  type PlacementRequest,
  remainingPermitted,
} from '../../core/model/placement.ts';
import { ROLES } from '../../core/model/principal.ts';
import { RESOURCE_KINDS } from '../../core/model/target.ts';
import type { Clock } from '../../core/ports/clock.ts';
import {
  ALWAYS_HEALTHY,
  type CircuitState,
  type TargetHealthTracker,
} from '../../core/ports/target-health.ts';
import { compileBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { CedarPlacementVerdicts } from '../../policy-engine/cedar-placement-verdicts.ts';
import { cedarPlacementService } from '../../runtime/placement.ts';
import { shippedSources, withCatalogue, withPolicyFile } from '../support/policy-engine/bundle-sources.ts';
import { referenceVerdict } from '../support/policy-engine/reference-verdict.ts';
import { catalogueArb, REGIONS, SIZES, TENANTS } from './arbitraries.ts';

/**
 * I1 under the shipped policies, tried with random workloads, tenants, catalogues and target failures:
 * a phi workload never lands on a public-site target — not as the chosen target, and not on any target
 * the worker falls back to (walking remainingPermitted as core/operations/vm-create.ts does). And the
 * engine fails closed: broken policies or entities deny, never permit.
 */
const clock: Clock = { now: () => new Date('2025-03-01T12:00:00Z') };
const shipped = shippedSources();

const workloadArb = fc.record({
  tenant: fc.oneof(fc.constantFrom(...TENANTS), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/)),
  roles: fc.subarray([...ROLES], { minLength: 1 }),
  kind: fc.constantFrom(...RESOURCE_KINDS),
  classification: fc.constantFrom(...CLASSIFICATIONS),
  size: fc.option(fc.constantFrom(...SIZES, 'xlarge'), { nil: undefined }),
  region: fc.option(fc.constantFrom(...REGIONS), { nil: undefined }),
  tags: fc.option(
    fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.string({ maxLength: 12 }), { maxKeys: 4 }),
    {
      nil: undefined,
    },
  ),
});
type Workload = typeof workloadArb extends fc.Arbitrary<infer W> ? W : never;

/**
 * The request for a workload. A region the catalogue does not have is refused before policy (400), so
 * it is asked only when the catalogue has it; otherwise the workload goes without one.
 */
function requestOf(w: Workload, catalogue: { targets: readonly { region: string }[] }): PlacementRequest {
  const region = catalogue.targets.some((t) => t.region === w.region) ? w.region : undefined;
  return {
    principal: { sub: `sub-${w.tenant}`, tenant: w.tenant, roles: w.roles },
    kind: w.kind,
    classification: w.classification,
    ...(w.size === undefined ? {} : { size: w.size }),
    ...(region === undefined ? {} : { region }),
    ...(w.tags === undefined ? {} : { tags: w.tags }),
  };
}

function healthOf(states: Record<string, CircuitState>): TargetHealthTracker {
  return { ...ALWAYS_HEALTHY, state: (id) => states[id] ?? 'closed' };
}

/** Every target the worker would try, in order: the chosen one, then fallbacks while targets fail. */
function landings(decision: PlacementDecision, failing: ReadonlySet<string>): string[] {
  const tried: string[] = [];
  let next = decision.chosen?.targetId;
  while (next !== undefined) {
    tried.push(next);
    if (!failing.has(next)) break;
    next = remainingPermitted(decision, tried)[0]?.targetId;
  }
  return tried;
}

describe('I1 holds for the shipped policies, fallback included', () => {
  it('never places, nor falls back, a phi workload onto a public target', async () => {
    let refusedByI1 = 0;
    await fc.assert(
      fc.asyncProperty(
        catalogueArb,
        fc.array(workloadArb, { minLength: 10, maxLength: 25 }),
        fc.array(fc.constantFrom<CircuitState>('closed', 'open', 'halfOpen'), { minLength: 9, maxLength: 9 }),
        fc.func(fc.boolean()),
        async (catalogue, workloads, states, fails) => {
          const bundle = compileBundle(withCatalogue(shipped, catalogue));
          const ids = catalogue.targets.map((t) => t.id);
          const health = healthOf(Object.fromEntries(ids.map((id, i) => [id, states[i]!])));
          const engine = cedarPlacementService(bundle, health, clock);
          const siteOf = new Map(catalogue.targets.map((t) => [t.id, t.site]));
          const regionOf = new Map(catalogue.targets.map((t) => [t.id, t.region]));
          for (const w of workloads) {
            const request = requestOf(w, catalogue);
            const decision = await engine.decide(request);
            const failing = new Set(ids.filter((id) => fails(id, w.classification, w.tenant)));
            const permitted = new Set(decision.candidates.filter((c) => c.permitted).map((c) => c.targetId));
            expect(decision.chosen?.targetId).toBe(remainingPermitted(decision, [])[0]?.targetId);
            for (const id of landings(decision, failing)) {
              expect(permitted.has(id)).toBe(true);
              if (w.classification === 'phi') expect(siteOf.get(id), `phi landed on ${id}`).toBe('onprem');
              // A requested region is a constraint: neither the choice nor a fallback leaves it.
              if (request.region !== undefined) expect(regionOf.get(id)).toBe(request.region);
            }
            for (const c of decision.candidates) {
              if (c.permitted && w.classification === 'phi') expect(c.site).toBe('onprem');
              if (c.policies.includes('place.phi-onprem-only')) refusedByI1 += 1;
            }
          }
        },
      ),
      { numRuns: 120 },
    );
    // Not vacuous: many phi workloads did have public candidates, and the I1 forbid is what refused them.
    expect(refusedByI1).toBeGreaterThan(100);
  }, 120_000);

  it('decides exactly as plain Cedar would (slices, trimmed entities and schema-less requests change nothing)', async () => {
    await fc.assert(
      fc.asyncProperty(
        catalogueArb,
        fc.array(workloadArb, { minLength: 5, maxLength: 10 }),
        async (catalogue, workloads) => {
          const bundle = compileBundle(withCatalogue(shipped, catalogue));
          const engine = new CedarPlacementVerdicts(bundle);
          for (const w of workloads) {
            const request = requestOf(w, catalogue);
            const verdicts = engine.verdicts(request, catalogue.targets);
            catalogue.targets.forEach((t, i) => {
              expect(verdicts[i]).toEqual(referenceVerdict(bundle, request, t.id));
            });
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);
});

describe('the engine fails closed', () => {
  it('an erroring policy denies every candidate, even where the other policies permit', async () => {
    const broken = compileBundle(
      withPolicyFile(
        shipped,
        'broken.cedar',
        '@id("broken.always-errors")\nforbid (principal, action == Action::"place", resource is Target)\n' +
          'when { resource.jurisdiction like "*" && 9223372036854775807 * 2 > 0 };\n',
      ),
    );
    const engine = cedarPlacementService(broken, healthOf({}), clock);
    await fc.assert(
      fc.asyncProperty(workloadArb, async (w) => {
        const decision = await engine.decide(requestOf(w, broken.catalogue));
        expect(decision.chosen).toBeUndefined();
        for (const c of decision.candidates) expect(c.permitted).toBe(false);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('a target entity missing attributes policies read is denied phi; I1 holds whatever is missing', async () => {
    const READ = ['site', 'hipaaEligible', 'jurisdiction'];
    await fc.assert(
      fc.asyncProperty(
        catalogueArb,
        fc.func(fc.subarray(READ)),
        fc.array(workloadArb, { minLength: 5, maxLength: 10 }),
        async (catalogue, dropped, workloads) => {
          const bundle = compileBundle(withCatalogue(shipped, catalogue));
          const targets = bundle.targets as Map<
            string,
            typeof bundle.targets extends ReadonlyMap<string, infer E> ? E : never
          >;
          const lost = new Map<string, string[]>();
          for (const [id, entity] of targets) {
            const names = dropped(id);
            lost.set(id, names);
            targets.set(id, {
              ...entity,
              attrs: Object.fromEntries(Object.entries(entity.attrs).filter(([n]) => !names.includes(n))),
            });
          }
          const engine = cedarPlacementService(bundle, healthOf({}), clock);
          for (const w of workloads) {
            const decision = await engine.decide(requestOf(w, catalogue));
            for (const c of decision.candidates) {
              if (!c.permitted || w.classification !== 'phi') continue;
              expect(c.site).toBe('onprem');
              expect(lost.get(c.targetId)).not.toContain('site');
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('no permit, however broad, overrides the I1 forbid', async () => {
    const wide = withPolicyFile(
      shipped,
      'too-wide.cedar',
      '@id("exception.mercy-clinic.anything")\n' +
        'permit (principal in Tenant::"mercy-clinic", action == Action::"place", resource);\n' +
        '@id("too-wide.phi-anywhere")\n' +
        'permit (principal, action == Action::"place", resource)\n' +
        'when { context.classification == Classification::"phi" };\n',
    );
    await fc.assert(
      fc.asyncProperty(catalogueArb, workloadArb, async (catalogue, w) => {
        const bundle = compileBundle(withCatalogue(wide, catalogue));
        const engine = cedarPlacementService(bundle, healthOf({}), clock);
        const decision = await engine.decide(
          requestOf({ ...w, classification: 'phi', tenant: 'mercy-clinic' }, catalogue),
        );
        for (const c of decision.candidates) if (c.permitted) expect(c.site).toBe('onprem');
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
