import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import type { PlacementRequest } from '../../core/model/placement.ts';
import { ROLES } from '../../core/model/principal.ts';
import { RESOURCE_KINDS } from '../../core/model/target.ts';
import { compileBundle, type PolicyBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { CedarPlacementVerdicts } from '../../policy-engine/cedar-placement-verdicts.ts';
import { FusedPlacement } from '../../policy-engine/fused-placement.ts';
import { placementContext, principalEntity } from '../../policy-engine/request-entities.ts';
import {
  shippedSources,
  withCatalogue,
  withPolicyFile,
  withTenants,
} from '../support/policy-engine/bundle-sources.ts';
import { referenceVerdict } from '../support/policy-engine/reference-verdict.ts';
import { catalogueArb, REGIONS, SIZES, TENANTS } from './arbitraries.ts';

/**
 * The fused call (one Cedar call for every candidate, policy-engine/fused-placement.ts) must answer
 * exactly as one plain Cedar call per target does: same permit/deny, same deciding policies, same
 * reasons, errors included. Exercised with every resource-scope shape it rewrites.
 */

const SHAPES = `
@id("shape.eq-permit")
permit (principal in Tenant::"acme-health", action == Action::"place", resource == Target::"sandbox-public-east")
when { context.classification == Classification::"pii" };

@id("shape.in-forbid")
@reason("south is closed to public workloads")
forbid (principal, action == Action::"place", resource in Target::"sandbox-onprem-south")
when { context.classification == Classification::"public" };

@id("shape.is-forbid")
forbid (principal, action == Action::"place", resource is Target)
when { context has size && context.size == "large" && resource.site == Site::"public" };

@id("shape.unless")
forbid (principal in Tenant::"mercy-clinic", action == Action::"place", resource)
unless { resource.region == "north" || resource.region == "us-east-1" || resource.region == "south" };

@id("shape.no-resource")
forbid (principal, action == Action::"place", resource)
when { context.tags.contains("freeze=yes") };

@id("shape.optional-attr")
permit (principal in Role::"admin", action == Action::"place", resource)
when { resource has network && resource.network == "clinical" && context.kind == ResourceKind::"vm" };

@id("shape.constant-failure")
@reason("a closed expression that fails (overflow): never folded, so north fails closed as before")
forbid (principal in Tenant::"acme-health", action == Action::"place", resource is Target)
when { resource.region == "north" && 1000000 * 1000000 * 1000000 * 1000000 > 0 };

@id("shape.principal-tenant")
@reason("read through the principal: rewritten to the tenant's own values for listed tenants")
forbid (principal, action == Action::"place", resource is Target)
when { principal.tenant has allowedJurisdictions && principal.tenant.allowedJurisdictions.contains("EU") }
when { resource.site == Site::"onprem" };

@id("shape.principal-in-tenant-condition")
permit (principal, action == Action::"place", resource)
when { principal in Tenant::"demo-research" && context.classification == Classification::"public" };

@id("shape.tenant-literal")
forbid (principal, action == Action::"place", resource)
when { Tenant::"acme-health" has allowedJurisdictions && principal.tenant == Tenant::"acme-health" }
when { context has size && context.size == "large" };

@id("shape.failure-before-constant")
@reason("a failure before a condition that folds to false must still be reported")
forbid (principal in Tenant::"demo-eu-clinic", action == Action::"place", resource is Target)
when { context.tags.contains("freeze=yes") && 1000000 * 1000000 * 1000000 * 1000000 > 0 }
when { resource.site == Site::"public" };
`;

/** The fused call's own answers (not through the engine, which would fall back to per-target calls). */
function fusedAnswers(bundle: PolicyBundle, request: PlacementRequest) {
  const principal = principalEntity(request.principal);
  const tenant = bundle.tenants.get(request.principal.tenant);
  return FusedPlacement.build(bundle)?.answers(
    {
      tenant: request.principal.tenant,
      principal,
      shared: tenant ? [principal, tenant] : [principal],
      context: placementContext(request),
    },
    [...bundle.targets.values()],
  );
}

const requestArb = fc
  .record({
    tenant: fc.constantFrom(...TENANTS, 'tenant-without-policies'),
    roles: fc.subarray([...ROLES], { minLength: 1 }),
    kind: fc.constantFrom(...RESOURCE_KINDS),
    classification: fc.constantFrom(...CLASSIFICATIONS),
    size: fc.option(fc.constantFrom(...SIZES), { nil: undefined }),
    region: fc.option(fc.constantFrom(...REGIONS), { nil: undefined }),
    freeze: fc.boolean(),
  })
  .map(
    (r): PlacementRequest => ({
      principal: { sub: `sub-${r.tenant}`, tenant: r.tenant, roles: r.roles },
      kind: r.kind,
      classification: r.classification,
      ...(r.size === undefined ? {} : { size: r.size }),
      ...(r.region === undefined ? {} : { region: r.region }),
      tags: r.freeze ? { freeze: 'yes' } : { team: 'a' },
    }),
  );

describe('fused placement', () => {
  it('answers as one plain Cedar call per target would, for every scope shape', () => {
    let fusedDecisions = 0;
    fc.assert(
      fc.property(
        catalogueArb,
        fc.array(requestArb, { minLength: 5, maxLength: 15 }),
        (catalogue, requests) => {
          const bundle = compileBundle(
            withPolicyFile(withCatalogue(shippedSources(), catalogue), 'shapes.cedar', SHAPES),
          );
          expect(FusedPlacement.build(bundle)).toBeDefined();
          const fused = new CedarPlacementVerdicts(bundle, { cacheSize: 0 });
          const perTarget = new CedarPlacementVerdicts(bundle, { cacheSize: 0, fused: false });
          for (const request of requests) {
            const verdicts = fused.verdicts(request, catalogue.targets);
            expect(fusedAnswers(bundle, request)?.size).toBe(catalogue.targets.length);
            if (catalogue.targets.length > 1) fusedDecisions += 1;
            expect(verdicts).toEqual(perTarget.verdicts(request, catalogue.targets));
            catalogue.targets.forEach((t, i) => {
              expect(verdicts[i], t.id).toEqual(referenceVerdict(bundle, request, t.id));
            });
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(fusedDecisions).toBeGreaterThan(100);
  }, 120_000);

  it('keeps per-target failures apart: a target missing an attribute fails closed, the others are decided', () => {
    const bundle = compileBundle(shippedSources());
    const targets = bundle.targets as Map<
      string,
      typeof bundle.targets extends ReadonlyMap<string, infer E> ? E : never
    >;
    const [brokenId, broken] = [...targets][0]!;
    const { site: _site, ...rest } = broken.attrs;
    targets.set(brokenId, { ...broken, attrs: rest });
    const engine = new CedarPlacementVerdicts(bundle, { cacheSize: 0 });
    const perTarget = new CedarPlacementVerdicts(bundle, { cacheSize: 0, fused: false });
    const request: PlacementRequest = {
      principal: { sub: 'app', tenant: 'mercy-clinic', roles: ['app'] },
      kind: 'vm',
      classification: 'phi',
      size: 'small',
    };
    // (The schema-validating reference refuses such an entity outright, so compare with per-target calls.)
    const verdicts = engine.verdicts(request, bundle.catalogue.targets);
    expect(fusedAnswers(bundle, request)?.size).toBe(bundle.catalogue.targets.length);
    expect(verdicts).toEqual(perTarget.verdicts(request, bundle.catalogue.targets));
    expect(verdicts[0]).toMatchObject({ allowed: false });
    expect(verdicts[0]!.reasons.join(' ')).toMatch(/fail closed/);
    expect(verdicts.some((v) => v.allowed)).toBe(true);
  });

  it('stands aside when a rewrite could change a policy (an integer beyond 2^53), leaving per-target calls', () => {
    const bundle = compileBundle(
      withPolicyFile(
        shippedSources(),
        'big.cedar',
        '@id("big.literal")\nforbid (principal, action == Action::"place", resource is Target)\n' +
          'when { context.classification == Classification::"public" && 9007199254740993 < 0 };\n',
      ),
    );
    expect(FusedPlacement.build(bundle)).toBeUndefined();
    expect(FusedPlacement.build(compileBundle(shippedSources()))).toBeDefined();
  });

  it('rewrites for at most maxTenantSets listed tenants; the others are answered from the shared set, exactly', () => {
    const yaml = `tenants:\n${['eu-1', 'eu-2', 'eu-3', 'us-1'].map((t) => `  ${t}: { allowedJurisdictions: [${t.slice(0, 2).toUpperCase()}] }`).join('\n')}\n`;
    const bundle = compileBundle(withTenants(shippedSources(), yaml));
    const fused = FusedPlacement.build(bundle, { maxTenantSets: 2 })!;
    const targets = [...bundle.targets.values()];
    for (const tenant of ['eu-1', 'eu-2', 'eu-3', 'us-1', 'eu-1']) {
      const request: PlacementRequest = {
        principal: { sub: `app-${tenant}`, tenant, roles: ['app'] },
        kind: 'vm',
        classification: 'pii',
        size: 'small',
      };
      const principal = principalEntity(request.principal);
      const answers = fused.answers(
        {
          tenant,
          principal,
          shared: [principal, bundle.tenants.get(tenant)!],
          context: placementContext(request),
        },
        targets,
      )!;
      for (const target of bundle.catalogue.targets) {
        const expected = referenceVerdict(bundle, request, target.id);
        expect(answers.get(target.id), `${tenant} on ${target.id}`).toMatchObject({
          response: { decision: expected.allowed ? 'allow' : 'deny' },
        });
      }
    }
    expect(fused.tenantSetCount).toBe(2);
  });
});
