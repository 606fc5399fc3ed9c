import { beforeAll, describe, expect, it } from 'vitest';
import type { PlacementRequest } from '../core/model/placement.ts';
import type { Clock } from '../core/ports/clock.ts';
import { ALWAYS_HEALTHY, type CircuitState, type TargetHealthTracker } from '../core/ports/target-health.ts';
import { cedarPlacementService } from '../runtime/placement.ts';
import { shippedSources, withPolicyFile } from '../test/support/policy-engine/bundle-sources.ts';
import { referenceVerdict } from '../test/support/policy-engine/reference-verdict.ts';
import { compileBundle, type PolicyBundle } from './bundle/policy-bundle.ts';
import { CedarPlacementVerdicts } from './cedar-placement-verdicts.ts';

const clock: Clock = { now: () => new Date('2025-03-01T12:00:00Z') };

function health(states: Record<string, CircuitState> = {}): TargetHealthTracker {
  return { ...ALWAYS_HEALTHY, state: (id) => states[id] ?? 'closed' };
}

function request(overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  return {
    principal: { sub: 'app-1', tenant: 'mercy-clinic', roles: ['app'] },
    kind: 'vm',
    classification: 'phi',
    size: 'small',
    image: 'ubuntu-24.04',
    ...overrides,
  };
}

describe('placement with Cedar verdicts', () => {
  let shipped: PolicyBundle;
  beforeAll(() => {
    shipped = compileBundle(shippedSources());
  });

  it('decides phi on-prem, marks only Cedar-permitted candidates, and records ids and the bundle hash', async () => {
    const decision = await cedarPlacementService(shipped, health(), clock).decide(request());
    expect(decision).toMatchObject({
      engine: 'cedar',
      bundleHash: shipped.hash,
      decidedAt: '2025-03-01T12:00:00.000Z',
    });
    expect(decision.chosen).toEqual({
      targetId: 'sandbox-onprem-north',
      cloud: 'sandbox',
      region: 'north',
      site: 'onprem',
    });
    expect(decision.candidates.map((c) => [c.targetId, c.permitted, c.rank, c.policies])).toEqual([
      ['sandbox-onprem-north', true, 1, ['place.sensitive-on-hipaa-eligible']],
      ['sandbox-onprem-south', true, 2, ['place.sensitive-on-hipaa-eligible']],
      ['sandbox-public-east', false, undefined, ['place.phi-onprem-only']],
      ['sandbox-public-west', false, undefined, ['place.phi-onprem-only']],
    ]);
    expect(decision.candidates[2]!.reasons).toEqual(['phi workloads run only on on-prem targets (I1)']);
  });

  it('ranks the permitted by health, then headroom (sync or async), never promoting a denied target', async () => {
    const sick = await cedarPlacementService(
      shipped,
      health({ 'sandbox-onprem-north': 'open' }),
      clock,
    ).decide(request());
    expect(sick.chosen?.targetId).toBe('sandbox-onprem-south');
    const full = cedarPlacementService(shipped, health(), clock, {
      headroom: async (id) => (id === 'sandbox-public-east' ? 0 : 0.5),
    });
    const pii = await full.decide(request({ classification: 'pii' }));
    expect(pii.candidates.filter((c) => c.permitted).map((c) => c.targetId)).toEqual([
      'sandbox-onprem-north',
      'sandbox-onprem-south',
      'sandbox-public-east',
    ]);
    const allSick = health(Object.fromEntries(shipped.catalogue.targets.map((t) => [t.id, 'open' as const])));
    const stillOnPrem = await cedarPlacementService(shipped, allSick, clock).decide(request());
    expect(stillOnPrem.chosen?.site).toBe('onprem');
  });

  it('remembers verdicts without sharing state with the decisions it hands out', async () => {
    const engine = cedarPlacementService(shipped, health(), clock);
    const first = await engine.decide(request({ classification: 'pii' }));
    first.candidates[0]!.policies.push('tampered');
    const second = await engine.decide(request({ classification: 'pii' }));
    const uncached = await cedarPlacementService(shipped, health(), clock, { cacheSize: 0 }).decide(
      request({ classification: 'pii' }),
    );
    expect(second.candidates).toEqual(uncached.candidates);
    expect(second.candidates[0]!.policies).not.toContain('tampered');
  });

  it('considers only targets that can host the workload', async () => {
    const none = await cedarPlacementService(shipped, health(), clock).decide(request({ size: 'huge' }));
    expect(none).toMatchObject({ candidates: [] });
    expect(none.chosen).toBeUndefined();
  });

  it('agrees with a plain, unsliced, schema-validated Cedar evaluation', () => {
    const engine = new CedarPlacementVerdicts(shipped);
    const targets = shipped.catalogue.targets;
    for (const tenant of ['mercy-clinic', 'acme-health', 'demo-eu-clinic', 'demo-research'])
      for (const classification of ['public', 'internal', 'pii', 'phi'] as const) {
        const r = request({
          principal: { sub: 'u', tenant, roles: ['auditor'] },
          classification,
          tags: { a: 'b' },
        });
        const fast = engine.verdicts(r, targets);
        targets.forEach((t, i) => {
          expect(fast[i], `${tenant} ${classification} ${t.id}`).toEqual(referenceVerdict(shipped, r, t.id));
        });
      }
  });

  describe('fails closed', () => {
    it('denies when a policy errors, even where Cedar alone would allow', async () => {
      const bundle = compileBundle(
        withPolicyFile(
          shippedSources(),
          'broken.cedar',
          '@id("broken.overflow")\nforbid (principal, action == Action::"place", resource is Target)\n' +
            'when { context.classification == Classification::"public" && 9223372036854775807 + 1 > 0 };\n',
        ),
      );
      const decision = await cedarPlacementService(bundle, health(), clock).decide(
        request({ classification: 'public' }),
      );
      expect(decision.chosen).toBeUndefined();
      for (const c of decision.candidates) {
        expect(c.permitted).toBe(false);
        expect(c.policies).toEqual(['broken.overflow']);
        expect(c.reasons[0]).toMatch(/integer overflow.*fail closed/);
      }
    });

    it('denies when a target entity lost an attribute a policy reads', async () => {
      const bundle = compileBundle(shippedSources());
      const targets = bundle.targets as Map<
        string,
        typeof bundle.targets extends ReadonlyMap<string, infer E> ? E : never
      >;
      for (const [id, entity] of targets) {
        const { site: _site, hipaaEligible: _h, ...rest } = entity.attrs;
        targets.set(id, { ...entity, attrs: rest });
      }
      const decision = await cedarPlacementService(bundle, health(), clock).decide(
        request({ classification: 'phi' }),
      );
      expect(decision.chosen).toBeUndefined();
      expect(
        decision.candidates.every((c) => !c.permitted && c.reasons.some((r) => r.includes('fail closed'))),
      ).toBe(true);
    });

    it('denies a target the bundle does not know', () => {
      const engine = new CedarPlacementVerdicts(shipped);
      const stranger = { ...shipped.catalogue.targets[0]!, id: 'not-in-bundle' };
      expect(engine.verdicts(request({ classification: 'public' }), [stranger])).toEqual([
        expect.objectContaining({ allowed: false, policies: ['builtin.evaluation-error'] }),
      ]);
    });
  });
});
