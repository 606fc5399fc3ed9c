/**
 * Placement decision cost: `npx node bench/placement.ts [iterations]`.
 *
 * One decision = the placement service's whole `decide()` with Cedar's verdicts over 8 candidate targets (one fused Cedar
 * call, or 8 with fusion off, + ranking) with ~200 policies in force: the shipped ones plus ~190
 * tenant-specific ones generated here
 * (exceptions, pins, restrictions — the kind a hospital platform accumulates). Reports the bundle load
 * and parse time at start, p50/p99 per decision, and the ratio to 8 raw cedar-wasm `isAuthorized` calls
 * on a one-policy set in the same process. Every request differs (tags carry a counter), so no cache
 * anywhere could help. Also: the floor of eight calls carrying a decision's entities over a one-policy
 * set, one API authorization, and one flow-policy link decision (uncached).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { isAuthorized, preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import { CLASSIFICATIONS } from '../core/classification.ts';
import type { PlacementRequest } from '../core/model/placement.ts';
import type { Target, TargetCatalogue } from '../core/model/target.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { LinkRequest } from '../core/ports/flow-policy.ts';
import { ALWAYS_HEALTHY } from '../core/ports/target-health.ts';
import { compileBundle } from '../policy-engine/bundle/policy-bundle.ts';
import { CedarAuthorizer } from '../policy-engine/cedar-authorizer.ts';
import { CedarFlowPolicy } from '../policy-engine/cedar-flow-policy.ts';
import { placementContext, principalEntity } from '../policy-engine/request-entities.ts';
import { cedarPlacementService } from '../runtime/placement.ts';
import {
  shippedSources,
  withCatalogue,
  withPolicyFile,
  withTenants,
} from '../test/support/policy-engine/bundle-sources.ts';

const ITERATIONS = Number(process.argv[2] ?? 5000);
const WARMUP = 500;
const TENANTS = 60;

const clock: Clock = { now: () => new Date() };
const healthy = ALWAYS_HEALTHY;

/** The four shipped sandbox targets and four real-looking ones: 8 candidates for a VM. */
function benchCatalogue(shipped: TargetCatalogue): TargetCatalogue {
  const real = (
    id: string,
    cloud: 'openstack' | 'aws',
    region: string,
    site: 'onprem' | 'public',
    jurisdiction: string,
    hipaa: boolean,
  ): Target => ({
    id,
    cloud,
    region,
    site,
    description: id,
    kinds: ['vm', 'volume', 'bucket'],
    attributes: {
      jurisdiction,
      hipaaEligible: hipaa,
      encryptionAtRest: true,
      network: site === 'onprem' ? 'clinical' : 'internet',
    },
    ranking: { preference: 10, costPerVcpuHour: 0.02 },
    sizes: { small: 's', medium: 'm', large: 'l' },
    images: { 'ubuntu-24.04': 'img' },
    connection: {},
  });
  return {
    ...shipped,
    targets: [
      ...shipped.targets,
      real('openstack-dc1', 'openstack', 'dc1', 'onprem', 'US', true),
      real('openstack-dc2', 'openstack', 'dc2', 'onprem', 'US', true),
      real('aws-us-east-1', 'aws', 'us-east-1', 'public', 'US', true),
      real('aws-eu-central-1', 'aws', 'eu-central-1', 'public', 'EU', true),
    ],
  };
}

/** ~190 tenant-specific policies, a few per tenant, in the styles compliance teams write. */
function tenantPolicies(): string {
  const out: string[] = [];
  for (let t = 0; t < TENANTS; t++) {
    const tenant = `tenant-${t}`;
    out.push(
      `@id("exception.${tenant}.pii-research")\n@reason("CR-${1000 + t}")\n` +
        `permit (principal in Tenant::"${tenant}", action == Action::"place", resource == Target::"sandbox-public-west")\n` +
        `when { context.classification == Classification::"pii" && context.tags.contains("study=s-${t}") };`,
      `@id("${tenant}.no-large-on-public")\n@reason("${tenant}: large workloads stay on-prem")\n` +
        `forbid (principal in Tenant::"${tenant}", action == Action::"place", resource)\n` +
        `when { context has size && context.size == "large" && resource.site == Site::"public" };`,
      `@id("${tenant}.regions")\n@reason("${tenant}: contracted regions only")\n` +
        `forbid (principal in Tenant::"${tenant}", action == Action::"place", resource)\n` +
        `when { !(["north", "south", "dc1", "us-east-1", "us-west-2"].contains(resource.region)) };`,
    );
    if (t % 6 === 0)
      out.push(
        `@id("${tenant}.presign-admin-only")\n` +
          `forbid (principal in Tenant::"${tenant}", action == Action::"bucket.presign", resource)\n` +
          `unless { principal in Role::"admin" };`,
      );
  }
  return out.join('\n\n');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function measure(label: string, run: (i: number) => unknown): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < WARMUP; i++) await run(i);
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    await run(i);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const result = { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
  const max = times[times.length - 1]!;
  console.log(`${label.padEnd(66)} p50 ${fmt(result.p50)}  p99 ${fmt(result.p99)}  max ${fmt(max)}`);
  return result;
}

const fmt = (ms: number) => `${(ms * 1000).toFixed(0).padStart(6)} µs`;

function machine(): string {
  const model =
    /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `${model}, ${cpus().length} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${load}`;
}

// --- start-up: load and parse the bundle once ---------------------------------------------------------
console.log(`machine: ${machine()}`);
const shipped = shippedSources();
const firstLoadStarted = performance.now();
const shippedBundle = compileBundle(shipped);
const firstLoadMs = performance.now() - firstLoadStarted;
const tenantsYaml = `tenants:\n${Array.from({ length: TENANTS }, (_, t) => `  tenant-${t}: { allowedJurisdictions: [US${t % 10 === 0 ? ', EU' : ''}] }`).join('\n')}\n`;
const sources = withTenants(
  withPolicyFile(
    withCatalogue(shipped, benchCatalogue(shippedBundle.catalogue)),
    'bench-tenants.cedar',
    tenantPolicies(),
  ),
  tenantsYaml,
);
const loadStarted = performance.now();
const bundle = compileBundle(sources);
const loadMs = performance.now() - loadStarted;
console.log(
  `shipped bundle, first load in this process (wasm warm-up included): ${firstLoadMs.toFixed(0)} ms`,
);
console.log(
  `bench bundle: ${bundle.policies.length} policies, ${bundle.catalogue.targets.length} targets, ${bundle.tenants.size} tenants; ` +
    `validated + parsed in ${loadMs.toFixed(0)} ms, of which preparsing ${bundle.slices.setCount} policy sets ${bundle.timings.parseMs.toFixed(0)} ms`,
);

// --- per decision -------------------------------------------------------------------------------------
const uncached = cedarPlacementService(bundle, healthy, clock, { cacheSize: 0 });
const regions = ['north', 'us-east-1', 'dc1', undefined];
const requestFor = (i: number, tenant: string, tags: Record<string, string>): PlacementRequest => ({
  principal: { sub: `app-of-${tenant}`, tenant, roles: ['app'] },
  kind: 'vm',
  classification: CLASSIFICATIONS[i % CLASSIFICATIONS.length]!,
  size: ['small', 'medium', 'large'][i % 3]!,
  ...(regions[i % 4] === undefined ? {} : { region: regions[i % 4]! }),
  tags,
});
/** Every request distinct: a counter in the tags, which bench policies read, so nothing repeats. */
const distinct = (i: number, tenant: string) =>
  requestFor(i, tenant, { study: `s-${i % TENANTS}`, request: String(i) });
// A tenant's first decision parses its slice rewritten per target (fused-placement.ts), once per process.
const firsts: number[] = [];
for (const tenant of [...Array.from({ length: TENANTS }, (_, t) => `tenant-${t}`), 'mercy-clinic']) {
  const started = performance.now();
  const sample = await uncached.decide(distinct(1, tenant));
  firsts.push(performance.now() - started);
  if (sample.candidates.length !== 8)
    throw new Error(`expected 8 candidates, got ${sample.candidates.length}`);
}
firsts.sort((a, b) => a - b);
console.log(
  `first decision of each of ${firsts.length} tenants (parses its fused set): ` +
    `p50 ${fmt(percentile(firsts, 0.5))}, max ${fmt(firsts[firsts.length - 1]!)}`,
);

console.log('\nper decision (8 candidates, 200 policies in the bundle):');
// The thread's own CPU time as well: on a shared machine the wall-clock tail measures the scheduler.
const cpuBefore = process.threadCpuUsage();
const decisions = await measure('uncached, distinct requests, tenants with own policies', (i) =>
  uncached.decide(distinct(i, `tenant-${i % TENANTS}`)),
);
const cpuUsed = process.threadCpuUsage(cpuBefore);
console.log(
  `${'  the same, mean CPU time of this thread per decision'.padEnd(66)} ` +
    `${fmt((cpuUsed.user + cpuUsed.system) / 1000 / (WARMUP + ITERATIONS))}`,
);
await measure('uncached, distinct requests, a tenant with none of its own', (i) =>
  uncached.decide(distinct(i, 'mercy-clinic')),
);
const perTarget = cedarPlacementService(bundle, healthy, clock, { cacheSize: 0, fused: false });
await measure('uncached, one Cedar call per candidate (fusion off), own policies', (i) =>
  perTarget.decide(distinct(i, `tenant-${i % TENANTS}`)),
);
const cached = cedarPlacementService(bundle, healthy, clock);
const repeated = (i: number) => requestFor(i, `tenant-${i % 20}`, { study: `s-${i % 20}` });
await measure('with the verdict cache, repeated traffic (960 request shapes)', (i) =>
  cached.decide(repeated(Math.floor(i / 7))),
);
// The same distinct requests as the headline row, the cache on: the counter tag is one no policy tests
// for, so it is dropped before Cedar (tag-literals.ts) and requests alike in all else share verdicts.
const trimming = cedarPlacementService(bundle, healthy, clock);
const trimmed = await measure(
  'with the verdict cache, distinct requests (a counter tag no policy tests)',
  (i) => trimming.decide(distinct(i, `tenant-${i % TENANTS}`)),
);

const targetEntities = [...bundle.targets.values()];
/** One Cedar call per target with a decision's principal, tenant, untrimmed target and context. */
const eightStatefulCalls = (policySetId: string) => (i: number) => {
  const request = distinct(i, `tenant-${i % TENANTS}`);
  const principal = principalEntity(request.principal);
  const tenant = bundle.tenants.get(request.principal.tenant)!;
  const context = placementContext(request);
  for (const target of targetEntities)
    statefulIsAuthorized({
      principal: principal.uid,
      action: { type: 'Action', id: 'place' },
      resource: target.uid,
      context,
      preparsedPolicySetId: policySetId,
      entities: [principal, tenant, target],
    });
};

// The same 8 Cedar calls against the whole, unsliced set: what slicing saves.
const fullSet = `bench-full-${bundle.hash}`;
preparsePolicySet(fullSet, {
  staticPolicies: Object.fromEntries(bundle.policies.map((p) => [p.id, p.text])),
});
console.log('\nfor comparison:');
await measure(
  '8 Cedar calls against the whole unsliced set, untrimmed entities',
  eightStatefulCalls(fullSet),
);

const raw = await measure('baseline: 8 raw isAuthorized calls, one-policy set', (i) => {
  for (let t = 0; t < 8; t++)
    isAuthorized({
      principal: { type: 'App', id: `app-${i % 7}` },
      action: { type: 'Action', id: 'place' },
      resource: { type: 'Target', id: `t${t}` },
      context: {},
      policies: { staticPolicies: 'permit (principal, action, resource);' },
      entities: [],
    });
});

// The floor of one Cedar call per candidate: the same calls against a one-policy set — what crossing
// the JS/Wasm boundary with a decision's entities and context costs, whatever the policies.
preparsePolicySet('bench-one', { staticPolicies: { p0: 'permit (principal, action, resource);' } });
await measure(
  "floor: 8 stateful calls, a decision's entities, one-policy set",
  eightStatefulCalls('bench-one'),
);
await measure('one stateful call, no entities, empty context, one-policy set', (i) =>
  statefulIsAuthorized({
    principal: { type: 'App', id: `app-${i % 7}` },
    action: { type: 'Action', id: 'place' },
    resource: { type: 'Target', id: 't0' },
    context: {},
    preparsedPolicySetId: 'bench-one',
    entities: [],
  }),
);

const authorizer = new CedarAuthorizer(bundle);
await measure('API authorization, one request (uncached)', (i) => {
  authorizer.authorize({
    principal: { sub: 'app', tenant: `tenant-${i % TENANTS}`, roles: ['app'] },
    action: 'bucket.presign',
    resource: { type: 'bucket', tenant: `tenant-${i % TENANTS}`, id: `b-${i}` },
  });
});

// One flow decision: a link between two VMs or to a CIDR, alternating, across tenants, sites and
// classifications; no verdict cache, so each is a Cedar call against the tenant's `link` slice.
const flows = new CedarFlowPolicy(bundle, { cacheSize: 0 });
const linkTargets = bundle.catalogue.targets;
const linkRequest = (i: number): LinkRequest => {
  const tenant = `tenant-${i % TENANTS}`;
  const from = linkTargets[i % linkTargets.length]!;
  const to = linkTargets[(i * 7 + 3) % linkTargets.length]!;
  const classification = CLASSIFICATIONS[i % CLASSIFICATIONS.length]!;
  return {
    principal: { sub: `app-of-${tenant}`, tenant, roles: ['app'] },
    from: { classification, target: from, tenant },
    to:
      i % 2 === 0
        ? { kind: 'vm', classification, target: to, tenant, serviceEndpoint: i % 3 === 0 }
        : { kind: 'cidr', cidr: i % 3 === 0 ? '8.8.8.0/24' : '10.30.0.0/16', internet: i % 3 === 0 },
    port: 1024 + (i % 60000),
    protocol: 'tcp',
  };
};
await measure('flow policy: one link decision (uncached)', (i) => flows.link(linkRequest(i)));

console.log(
  `\nwhole decision vs 8 raw calls: p50 ×${(decisions.p50 / raw.p50).toFixed(2)}, p99 ×${(decisions.p99 / raw.p99).toFixed(2)}; ` +
    `target p99 < 1 ms: ${decisions.p99 < 1 ? 'met' : 'NOT met'} (p99 ${(decisions.p99 * 1000).toFixed(0)} µs)`,
);
console.log(
  `distinct requests, verdict cache on: p50 ${(trimmed.p50 * 1000).toFixed(0)} µs, p99 ${(trimmed.p99 * 1000).toFixed(0)} µs; ` +
    `target p99 < 300 µs: ${trimmed.p99 < 0.3 ? 'met' : 'NOT met'}`,
);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
