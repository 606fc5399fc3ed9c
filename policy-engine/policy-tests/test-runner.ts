import type { CandidateDecision, PlacementDecision } from '../../core/model/placement.ts';
import { PlacementService } from '../../core/placement/placement-service.ts';
import type { Clock } from '../../core/ports/clock.ts';
import { ALWAYS_HEALTHY } from '../../core/ports/target-health.ts';
import type { PolicyBundle } from '../bundle/policy-bundle.ts';
import { CedarAuthorizer } from '../cedar-authorizer.ts';
import { CedarFlowPolicy } from '../cedar-flow-policy.ts';
import { CedarPlacementVerdicts } from '../cedar-placement-verdicts.ts';
import { type FlowCase, flowRequestOf } from './flow-cases.ts';
import type { AuthorizationCase, PlacementCase, PolicyTestCase } from './test-cases.ts';

export interface PolicyTestResult {
  case: PolicyTestCase;
  passed: boolean;
  /** What differed, one line each. */
  failures: string[];
}

/** Policy tests judge policies alone: every target healthy, no quota pressure, a fixed clock. */
const ALL_HEALTHY = ALWAYS_HEALTHY;
const FIXED_CLOCK: Clock = { now: () => new Date('2025-01-01T00:00:00Z') };

/** Runs every case against the bundle; never throws for a failing case, only reports it. */
export async function runPolicyTests(
  bundle: PolicyBundle,
  cases: readonly PolicyTestCase[],
): Promise<PolicyTestResult[]> {
  const engine = new PlacementService({
    catalogue: bundle.catalogue,
    verdicts: new CedarPlacementVerdicts(bundle),
    health: ALL_HEALTHY,
    clock: FIXED_CLOCK,
  });
  const authorizer = new CedarAuthorizer(bundle);
  // No verdict cache: each case is asked of Cedar itself.
  const flows = new CedarFlowPolicy(bundle, { cacheSize: 0 });
  const results: PolicyTestResult[] = [];
  for (const c of cases) {
    const failures =
      c.kind === 'placement'
        ? checkPlacement(c.test, await engine.decide(requestOf(c.test)))
        : c.kind === 'authorization'
          ? checkAuthorization(c.test, authorizer)
          : checkFlow(c.test, flows, bundle);
    results.push({ case: c, passed: failures.length === 0, failures });
  }
  return results;
}

function requestOf(test: PlacementCase) {
  const { kind, classification, size, image, region, tags } = test.workload;
  return {
    principal: test.principal,
    kind,
    classification,
    ...(size === undefined ? {} : { size }),
    ...(image === undefined ? {} : { image }),
    ...(region === undefined ? {} : { region }),
    ...(tags === undefined ? {} : { tags }),
  };
}

function checkPlacement(test: PlacementCase, decision: PlacementDecision): string[] {
  const failures: string[] = [];
  const { expect } = test;
  const chosen = decision.chosen?.targetId ?? 'none';
  if (expect.chosen !== undefined && expect.chosen !== chosen)
    failures.push(`chosen: expected ${expect.chosen}, got ${chosen}`);
  const byId = new Map(decision.candidates.map((c) => [c.targetId, c]));
  if (expect.permitted) {
    const actual = decision.candidates.filter((c) => c.permitted).map((c) => c.targetId);
    const expected = Object.keys(expect.permitted);
    if (!sameSet(actual, expected))
      failures.push(`permitted: expected [${expected.join(', ')}], got [${actual.join(', ')}]`);
    else if (actual.join() !== expected.join())
      failures.push(`rank order: expected ${expected.join(' > ')}, got ${actual.join(' > ')}`);
    for (const [id, policies] of Object.entries(expect.permitted))
      failures.push(...checkCandidate(byId.get(id), id, true, policies));
  }
  for (const [id, policies] of Object.entries(expect.denied ?? {}))
    failures.push(...checkCandidate(byId.get(id), id, false, policies));
  return [...new Set(failures)];
}

function checkCandidate(
  candidate: CandidateDecision | undefined,
  id: string,
  permitted: boolean,
  policies: string[] | null,
): string[] {
  const word = permitted ? 'permitted' : 'denied';
  if (!candidate)
    return [`${id}: expected ${word}, but it is not a candidate (unknown, or cannot host the workload)`];
  const got = `${candidate.permitted ? 'permitted' : 'denied'} by [${candidate.policies.join(', ')}]`;
  if (candidate.permitted !== permitted) return [`${id}: expected ${word}, got ${got}`];
  if (policies !== null && !sameSet(candidate.policies, policies))
    return [`${id}: expected ${word} by [${policies.join(', ')}], got ${got}`];
  return [];
}

function checkAuthorization(test: AuthorizationCase, authorizer: CedarAuthorizer): string[] {
  const decision = authorizer.authorize({
    principal: test.principal,
    action: test.action,
    resource: {
      type: test.resource.type,
      tenant: test.resource.tenant ?? test.principal.tenant,
      ...(test.resource.id === undefined ? {} : { id: test.resource.id }),
    },
  });
  return checkAllowed(test.expect, decision);
}

function checkFlow(test: FlowCase, flows: CedarFlowPolicy, bundle: PolicyBundle): string[] {
  let flow: ReturnType<typeof flowRequestOf>;
  try {
    flow = flowRequestOf(test, bundle.catalogue);
  } catch (error) {
    return [(error as Error).message];
  }
  const decision =
    flow.action === 'attach'
      ? flows.attach(flow.request)
      : flow.action === 'copy'
        ? flows.copy(flow.request)
        : flow.action === 'link'
          ? flows.link(flow.request)
          : flows.expose(flow.request);
  return checkAllowed(test.expect, { allowed: decision.permitted, policies: decision.policies });
}

function checkAllowed(
  expect: { allowed: boolean; policies?: string[] | null | undefined },
  decision: { allowed: boolean; policies: string[] },
): string[] {
  const word = (allowed: boolean) => (allowed ? 'allowed' : 'denied');
  const got = `${word(decision.allowed)} by [${decision.policies.join(', ')}]`;
  const expected = expect.policies;
  if (decision.allowed !== expect.allowed) return [`expected ${word(expect.allowed)}, got ${got}`];
  if (expected !== undefined && expected !== null && !sameSet(decision.policies, expected))
    return [`expected ${word(expect.allowed)} by [${expected.join(', ')}], got ${got}`];
  return [];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}
