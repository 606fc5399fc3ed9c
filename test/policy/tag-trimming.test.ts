import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import type { PlacementRequest } from '../../core/model/placement.ts';
import { ROLES } from '../../core/model/principal.ts';
import { RESOURCE_KINDS } from '../../core/model/target.ts';
import { compileBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { CedarPlacementVerdicts } from '../../policy-engine/cedar-placement-verdicts.ts';
import { decisiveTags } from '../../policy-engine/tag-literals.ts';
import { shippedSources, withCatalogue, withPolicyFile } from '../support/policy-engine/bundle-sources.ts';
import { referenceVerdict } from '../support/policy-engine/reference-verdict.ts';
import { catalogueArb, REGIONS, SIZES, TENANTS } from './arbitraries.ts';

/**
 * Dropping the tags no policy tests for (policy-engine/tag-literals.ts) must not change one answer: the
 * engine, verdict cache on, against plain Cedar given every tag, on random catalogues and requests whose
 * tags mix the literals policies test with noise (a counter, a team).
 */

const TAG_POLICIES = `
@id("tags.freeze")
@reason("frozen")
forbid (principal, action == Action::"place", resource)
when { context has tags && context.tags.contains("freeze=yes") };

@id("tags.study")
permit (principal in Tenant::"acme-health", action == Action::"place", resource)
when { context.classification == Classification::"pii" && context.tags.contains("study=s-1") };

@id("tags.not-study")
forbid (principal, action == Action::"place", resource)
when { context.kind == ResourceKind::"bucket" && !context.tags.contains("study=s-2") };
`;

/** The same, plus a policy reading the tags as a whole: nothing may be dropped then. */
const WHOLE_SET = `${TAG_POLICIES}
@id("tags.any")
forbid (principal, action == Action::"place", resource)
when { context.tags.containsAny(["hold=1", "hold=2"]) };
`;

const tagArb = fc.constantFrom(
  'freeze=yes',
  'study=s-1',
  'study=s-2',
  'hold=1',
  'team=a',
  'team=b',
  'request=1',
  'request=2',
);

const requestArb = fc
  .record({
    tenant: fc.constantFrom(...TENANTS, 'tenant-without-policies'),
    roles: fc.subarray([...ROLES], { minLength: 1 }),
    kind: fc.constantFrom(...RESOURCE_KINDS),
    classification: fc.constantFrom(...CLASSIFICATIONS),
    size: fc.option(fc.constantFrom(...SIZES), { nil: undefined }),
    region: fc.option(fc.constantFrom(...REGIONS), { nil: undefined }),
    // One value per key, as tags are; policies see "key=value".
    tags: fc.uniqueArray(tagArb, { maxLength: 4, selector: (tag) => tag.split('=')[0] }),
  })
  .map(
    (r): PlacementRequest => ({
      principal: { sub: `sub-${r.tenant}`, tenant: r.tenant, roles: r.roles },
      kind: r.kind,
      classification: r.classification,
      ...(r.size === undefined ? {} : { size: r.size }),
      ...(r.region === undefined ? {} : { region: r.region }),
      tags: Object.fromEntries(r.tags.map((tag) => tag.split('=') as [string, string])),
    }),
  );

describe('tag trimming', () => {
  it('finds the literals policies test, and none when a policy reads the set whole', () => {
    const trimmed = compileBundle(withPolicyFile(shippedSources(), 'tags.cedar', TAG_POLICIES));
    const place = (b: typeof trimmed) => b.policies.filter((p) => p.appliesTo.place);
    expect(decisiveTags(place(trimmed))).toEqual(new Set(['freeze=yes', 'study=s-1', 'study=s-2']));
    const whole = compileBundle(withPolicyFile(shippedSources(), 'tags.cedar', WHOLE_SET));
    expect(decisiveTags(place(whole))).toBeUndefined();
  });

  for (const [name, policies] of [
    ['contains only', TAG_POLICIES],
    ['a policy reading the whole set', WHOLE_SET],
  ] as const)
    it(`answers as plain Cedar given every tag (${name})`, () => {
      fc.assert(
        fc.property(
          catalogueArb,
          fc.array(requestArb, { minLength: 5, maxLength: 12 }),
          (catalogue, requests) => {
            const bundle = compileBundle(
              withPolicyFile(withCatalogue(shippedSources(), catalogue), 'tags.cedar', policies),
            );
            const engine = new CedarPlacementVerdicts(bundle);
            // Each request twice: the second may come from the verdict cache.
            for (const request of [...requests, ...requests]) {
              const verdicts = engine.verdicts(request, catalogue.targets);
              catalogue.targets.forEach((t, i) => {
                expect(verdicts[i], t.id).toEqual(referenceVerdict(bundle, request, t.id));
              });
            }
          },
        ),
        { numRuns: 40 },
      );
    }, 120_000);
});
