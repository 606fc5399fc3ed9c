import { OpenAPIHono } from '@hono/zod-openapi';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiEnv } from '../../api/context.ts';
import { problemResponse, toProblem } from '../../api/problem.ts';
import { placementRoutes } from '../../api/routes/placements.ts';
import { validationError } from '../../api/validation.ts';
import type { Principal } from '../../core/model/principal.ts';
import type { AuthorizationRequest, Authorizer } from '../../core/ports/authorizer.ts';
import type { PlacementEngine } from '../../core/ports/placement-engine.ts';
import { ALWAYS_HEALTHY } from '../../core/ports/target-health.ts';
import { compileBundle, type PolicyBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { CedarAuthorizer } from '../../policy-engine/cedar-authorizer.ts';
import { cedarPlacementService } from '../../runtime/placement.ts';
import { shippedSources } from '../support/policy-engine/bundle-sources.ts';

/** The route mounted as api/app.ts mounts routes, with the caller given by a header instead of a JWT. */
function appWith(engine: PlacementEngine, authorizer: Authorizer) {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  app.use('*', async (c, next) => {
    c.set('requestId', 'req-1');
    c.set('principal', JSON.parse(c.req.header('x-test-principal') ?? '{}') as Principal);
    await next();
  });
  app.route('/', placementRoutes(engine, authorizer));
  app.onError((error, c) => problemResponse(toProblem(error, c.req.path, c.var.requestId)));
  return app;
}

async function simulate(app: ReturnType<typeof appWith>, principal: Principal, body: unknown) {
  const response = await app.request('/v1/placements/simulate', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-principal': JSON.stringify(principal) },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
  const json: any = await response.json();
  return { status: response.status, body: json };
}

describe('POST /v1/placements/simulate', () => {
  let bundle: PolicyBundle;
  let app: ReturnType<typeof appWith>;
  const healthy = ALWAYS_HEALTHY;
  beforeAll(() => {
    bundle = compileBundle(shippedSources());
    app = appWith(
      cedarPlacementService(bundle, healthy, { now: () => new Date() }),
      new CedarAuthorizer(bundle),
    );
  });

  it('answers the decision: chosen target, every candidate with its deciding policies, the bundle hash', async () => {
    const app1 = { sub: 'app-1', tenant: 'mercy-clinic', roles: ['app'] } as Principal;
    const reply = await simulate(app, app1, {
      kind: 'vm',
      classification: 'phi',
      size: 'small',
      tags: { study: 'x' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.decision).toMatchObject({
      chosen: { targetId: 'sandbox-onprem-north', site: 'onprem' },
      bundleHash: bundle.hash,
      engine: 'cedar',
    });
    expect(
      reply.body.decision.candidates.map(
        (c: { targetId: string; site: string; permitted: boolean; policies: string[] }) => [
          c.targetId,
          c.site,
          c.permitted,
          c.policies,
        ],
      ),
    ).toEqual([
      ['sandbox-onprem-north', 'onprem', true, ['place.sensitive-on-hipaa-eligible']],
      ['sandbox-onprem-south', 'onprem', true, ['place.sensitive-on-hipaa-eligible']],
      ['sandbox-public-east', 'public', false, ['place.phi-onprem-only']],
      ['sandbox-public-west', 'public', false, ['place.phi-onprem-only']],
    ]);
  });

  it('lets compliance staff (auditors) simulate, and shows an empty decision when nothing is permitted', async () => {
    const auditor = { sub: 'compliance-1', tenant: 'demo-eu-clinic', roles: ['auditor'] } as Principal;
    const reply = await simulate(app, auditor, { kind: 'bucket', classification: 'public' });
    expect(reply.status).toBe(200);
    expect(reply.body.decision.chosen).toBeUndefined();
    expect(
      new Set(reply.body.decision.candidates.flatMap((c: { policies: string[] }) => c.policies)),
    ).toEqual(new Set(['place.tenant-jurisdiction']));
  });

  it('refuses a malformed body with field issues', async () => {
    const app1 = { sub: 'app-1', tenant: 'mercy-clinic', roles: ['app'] } as Principal;
    const reply = await simulate(app, app1, { kind: 'vm', classification: 'secret', extra: 1 });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('request.invalid');
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['body.classification']),
    );
  });

  it('asks the authorizer for placement.simulate on the caller tenant placement, before deciding', async () => {
    const asked: AuthorizationRequest[] = [];
    const refusing: Authorizer = {
      authorize(request) {
        asked.push(request);
        return { allowed: false, policies: ['test.deny'], reasons: ['no'] };
      },
    };
    let decided = false;
    const engine: PlacementEngine = {
      bundleHash: 'x',
      decide: async () => {
        decided = true;
        throw new Error('must not be asked');
      },
    };
    const principal = { sub: 'app-1', tenant: 'mercy-clinic', roles: ['app'] } as Principal;
    const reply = await simulate(appWith(engine, refusing), principal, {
      kind: 'vm',
      classification: 'public',
    });
    expect(reply.status).toBe(403);
    expect(decided).toBe(false);
    expect(asked).toEqual([
      { principal, action: 'placement.simulate', resource: { type: 'placement', tenant: 'mercy-clinic' } },
    ]);
  });
});
