import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../connectors/sandbox/sandbox-faults.ts';
import { METRICS } from '../../core/ports/metrics.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { type Family, parsePrometheusText, type Sample } from '../support/prometheus-text.ts';

/** Strings only a tenant could have typed: none may reach a label. */
const CANARIES = [
  'canaryvmname7f3a',
  'canarybucket9d1e',
  'canary-tag-key',
  'CANARY-TAG-VALUE-51b2',
  'CANARY-PATH-0c4d',
];
const DOWN: FaultRule[] = [{ type: 'fail', kind: 'unavailable', count: 100_000 }];

/** The samples of a family (a histogram's `_count` series when `sample` says so) with these labels. */
const samplesOf = (
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
  sample = name,
) =>
  (families.get(name)?.samples ?? []).filter(
    (s: Sample) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
const total = (samples: Sample[]) => samples.reduce((sum, s) => sum + s.value, 0);

/** Serves the broker's app on a socket of its own, passing the connection (the harness's server does not). */
async function directServer(h: Harness): Promise<{ base: string; close(): void }> {
  const server = serve({ fetch: h.broker.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('GET /metrics after a real flow on the embedded default', () => {
  let h: Harness;
  let app: string;
  let operator: string;
  let families: Map<string, Family>;
  let exposition: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-metrics', ['app']);
    operator = await h.token('platform', ['operator']);
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name: CANARIES[0],
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'internal',
        tags: { [CANARIES[2]!]: CANARIES[3]! },
      },
    });
    expect(created.status, created.text).toBe(202);
    expect((await h.settle(app, created.body.operation.id)).status).toBe('succeeded');
    expect((await h.call('GET', `/v1/vms/${created.body.vm.id}`, { token: app })).status).toBe(200);
    const bucket = await h.call('POST', '/v1/buckets', {
      token: app,
      body: { name: CANARIES[1], classification: 'internal', tags: { [CANARIES[2]!]: CANARIES[3]! } },
    });
    expect(bucket.status, bucket.text).toBe(202);
    await h.settle(app, bucket.body.operation.id);
    // PHI pinned to a public region: placement denies it.
    const denied = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name: 'phi-east',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'phi',
        region: 'us-east-1',
      },
    });
    expect(denied.status, denied.text).toBe(403);
    // With one on-prem target down, a phi create fails over; the failed calls are counted by outcome.
    expect(
      (
        await h.call('PUT', '/v1/sandbox/targets/sandbox-onprem-north/faults', {
          token: operator,
          body: { rules: DOWN },
        })
      ).status,
    ).toBe(200);
    const phi = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'phi-failover', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
    });
    expect(phi.status, phi.text).toBe(202);
    await h.settle(app, phi.body.operation.id, 60_000);
    // A route that does not exist, its path carrying tenant text, and a request policy refuses.
    expect((await h.call('GET', `/v1/${CANARIES[4]}/x`, { token: app })).status).toBe(404);
    expect((await h.call('GET', '/metrics', { token: app })).status).toBe(403);

    const reply = await h.call('GET', '/metrics', { token: operator });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    exposition = reply.text;
    families = parsePrometheusText(exposition);
  }, 120_000);
  afterAll(() => h.close());

  it('exposes exactly the defined metrics, each with its type, help and label names', () => {
    expect([...families.keys()].sort()).toEqual(
      Object.values(METRICS)
        .map((m) => m.name)
        .sort(),
    );
    for (const definition of Object.values(METRICS)) {
      const family = families.get(definition.name)!;
      expect(family.type, definition.name).toBe(definition.kind);
      expect(family.help).toBe(definition.help);
      for (const sample of family.samples)
        expect(
          Object.keys(sample.labels)
            .filter((l) => l !== 'le')
            .sort(),
          sample.name,
        ).toEqual([...definition.labels].sort());
    }
  });

  it('shows each tenant’s quota use and limit per site and resource, read from the ledger when scraped', () => {
    const used = (resource: string) =>
      total(samplesOf(families, METRICS.quotaUsed.name, { tenant: 'tenant-metrics', resource }));
    // Two VMs (the internal one and the phi one that failed over) and one bucket; the denied create holds nothing.
    expect(used('instances')).toBe(2);
    expect(used('buckets')).toBe(1);
    expect(
      total(
        samplesOf(families, METRICS.quotaUsed.name, {
          tenant: 'tenant-metrics',
          site: 'onprem',
          resource: 'instances',
        }),
      ),
    ).toBeGreaterThanOrEqual(1);
    const limits = samplesOf(families, METRICS.quotaLimit.name, { tenant: 'tenant-metrics', site: 'onprem' });
    expect(limits).toHaveLength(7);
    for (const limit of limits) expect(limit.value).toBeGreaterThan(0);
  });

  it('counts requests by route template and status, with latency histograms', () => {
    const name = METRICS.httpRequests.name;
    expect(total(samplesOf(families, name, { route: '/v1/vms', method: 'POST', status: '202' }))).toBe(2);
    expect(total(samplesOf(families, name, { route: '/v1/vms', method: 'POST', status: '403' }))).toBe(1);
    expect(total(samplesOf(families, name, { route: '/v1/vms/{id}', method: 'GET', status: '200' }))).toBe(1);
    expect(total(samplesOf(families, name, { route: 'unmatched', status: '404', status_class: '4xx' }))).toBe(
      1,
    );
    expect(total(samplesOf(families, name, { route: '/metrics', status: '403' }))).toBe(1);
    const durations = samplesOf(
      families,
      METRICS.httpDuration.name,
      {
        route: '/v1/vms',
        method: 'POST',
      },
      `${METRICS.httpDuration.name}_count`,
    );
    expect(total(durations)).toBe(3);
    // Every label value is a template or a code: no raw path with an id.
    for (const s of samplesOf(families, name)) expect(s.labels.route).not.toMatch(/vm-[0-9a-z]{10,}/);
  });

  it('counts placement decisions by outcome and policy, and denials by policy', () => {
    const placed = samplesOf(families, METRICS.placementDecisions.name, { outcome: 'placed' });
    expect(total(placed)).toBeGreaterThanOrEqual(3);
    for (const s of placed) expect(s.labels.policy).toMatch(/^place\./);
    const denied = samplesOf(families, METRICS.placementDecisions.name, { outcome: 'denied' });
    expect(total(denied)).toBe(1);
    // The region asked for is a constraint the engine applies before Cedar: its own id decides.
    expect(denied[0]!.labels.policy).toBe('builtin.requested-region');
    expect(total(samplesOf(families, METRICS.policyDenials.name, { policy: 'builtin.default-deny' }))).toBe(
      1,
    );
  });

  it('counts operations by kind and outcome with their duration', () => {
    expect(
      total(samplesOf(families, METRICS.operations.name, { kind: 'vm.create', outcome: 'succeeded' })),
    ).toBe(2);
    expect(total(samplesOf(families, METRICS.operations.name, { kind: 'bucket.create' }))).toBe(1);
    expect(
      total(
        samplesOf(
          families,
          METRICS.operationDuration.name,
          {
            kind: 'vm.create',
            outcome: 'succeeded',
          },
          `${METRICS.operationDuration.name}_count`,
        ),
      ),
    ).toBe(2);
  });

  it('counts cloud calls by target, service and outcome, and shows each target’s circuit and health', () => {
    const north = samplesOf(families, METRICS.cloudCalls.name, { target: 'sandbox-onprem-north' });
    expect(total(north.filter((s) => s.labels.outcome !== 'ok'))).toBeGreaterThan(0);
    expect(
      total(samplesOf(families, METRICS.cloudCalls.name, { service: 'compute', outcome: 'ok' })),
    ).toBeGreaterThan(0);
    expect(
      total(samplesOf(families, METRICS.cloudCalls.name, { service: 'objectStorage', outcome: 'ok' })),
    ).toBeGreaterThan(0);
    const circuits = samplesOf(families, METRICS.circuitOpen.name);
    expect(circuits.map((s) => s.labels.target)).toContain('sandbox-onprem-south');
    for (const s of [...circuits, ...samplesOf(families, METRICS.targetHealthy.name)])
      expect([0, 1]).toContain(s.value);
  });

  it('shows the queue’s depth and age', () => {
    expect(samplesOf(families, METRICS.queueDepth.name)).toHaveLength(1);
    expect(samplesOf(families, METRICS.queueOldestAge.name)[0]!.value).toBeGreaterThanOrEqual(0);
  });

  it('carries no tenant text: no canary name, tag or path, no tenant id outside quota labels', () => {
    for (const canary of CANARIES) expect(exposition.toLowerCase()).not.toContain(canary.toLowerCase());
    const withTenant = exposition.split('\n').filter((line) => line.includes('tenant-metrics'));
    expect(withTenant.length).toBeGreaterThan(0);
    for (const line of withTenant)
      expect(line).toMatch(
        /^hcb_quota_(used|limit)\{tenant="tenant-metrics",site="(onprem|public)",resource="\w+"\} /,
      );
  });

  it('answers 401 without a token and 403 to every tenant role, even from this host', async () => {
    const direct = await directServer(h);
    try {
      expect((await fetch(`${direct.base}/metrics`)).status).toBe(401);
      for (const roles of [['app'], ['admin'], ['auditor']] as const) {
        const token = await h.token('tenant-metrics', [...roles]);
        const reply = await fetch(`${direct.base}/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(reply.status, roles.join()).toBe(403);
        expect(reply.headers.get('content-type')).toBe('application/problem+json');
      }
    } finally {
      direct.close();
    }
  });
});

describe('GET /metrics with HCB_METRICS_ACCESS=loopback', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { HCB_METRICS_ACCESS: 'loopback' } });
  });
  afterAll(() => h.close());

  it('serves a scraper on this host without a token; a token given is still checked', async () => {
    const direct = await directServer(h);
    try {
      const reply = await fetch(`${direct.base}/metrics`);
      expect(reply.status).toBe(200);
      expect(parsePrometheusText(await reply.text()).has(METRICS.httpRequests.name)).toBe(true);
      const app = await h.token('tenant-metrics', ['app']);
      expect(
        (await fetch(`${direct.base}/metrics`, { headers: { authorization: `Bearer ${app}` } })).status,
      ).toBe(403);
      expect(
        (await fetch(`${direct.base}/metrics`, { headers: { authorization: 'Bearer nope' } })).status,
      ).toBe(401);
    } finally {
      direct.close();
    }
  });

  it('does not treat a request without a connection (in-process) as local', async () => {
    expect((await h.broker.app.request('/metrics')).status).toBe(401);
  });
});
