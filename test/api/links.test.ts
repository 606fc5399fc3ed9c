import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

describe('links: controlled cross-network flows', () => {
  let h: Harness;
  let app: string;
  const vms: Record<
    string,
    { id: string; placement: { targetId: string; site: string }; addresses: { ip: string }[] }
  > = {};

  const vm = async (name: string, classification: string, extra: Record<string, unknown> = {}) => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name, size: 'small', image: 'ubuntu-24.04', classification, ...extra },
    });
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    vms[name] = (await h.call('GET', `/v1/vms/${reply.body.vm.id}`, { token: app })).body;
    return vms[name]!;
  };
  /** Security groups on every sandbox target, read from the simulated clouds' own state files. */
  const linkGroups = () =>
    h.broker.providers.all().flatMap((p) => {
      const file = join(h.dataDir, 'sandbox', `${p.target.id}.json`);
      if (!existsSync(file)) return [];
      const state = JSON.parse(readFileSync(file, 'utf8')) as {
        securityGroups: Record<
          string,
          { id: string; name: string; rules: { direction: string; port?: number; remoteCidr?: string }[] }
        >;
      };
      return Object.values(state.securityGroups).map((g) => ({ ...g, targetId: p.target.id }));
    });

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-link', ['app']);
    await vm('db-east', 'internal');
    await vm('app-east', 'internal');
    await vm('ehr-north', 'phi');
    await vm('lab-north', 'internal', { region: 'north' });
    await vm('gateway-north', 'internal', { region: 'north' });
    // Service endpoints are an admin's designation (test/api/service-endpoints.test.ts), not a tag.
    const admin = await h.token('tenant-link', ['admin']);
    const designated = await h.call('PUT', `/v1/vms/${vms['gateway-north']!.id}/service-endpoint`, {
      token: admin,
    });
    expect(designated.status, designated.text).toBe(200);
  });
  afterAll(() => h.close());

  const link = (body: Record<string, unknown>) => h.call('POST', '/v1/links', { token: app, body });

  it('programs a permitted VM → VM flow on both ends and removes exactly those rules', async () => {
    const created = await link({
      from: { vmId: vms['app-east']!.id },
      to: { vmId: vms['db-east']!.id },
      port: 5432,
      protocol: 'tcp',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ status: 'active', port: 5432, protocol: 'tcp' });
    expect(created.body.policies.length).toBeGreaterThan(0);
    expect(created.body.rules.map((r: { end: string }) => r.end).sort()).toEqual(['from', 'to']);
    const groups = linkGroups().filter((g) => g.name.includes(created.body.id));
    expect(groups).toHaveLength(2);
    const ingress = groups.flatMap((g) => g.rules).find((r) => r.direction === 'ingress');
    expect(ingress).toMatchObject({ port: 5432, remoteCidr: `${vms['app-east']!.addresses[0]!.ip}/32` });

    expect(
      (await h.call('GET', `/v1/links?vmId=${vms['db-east']!.id}`, { token: app })).body.items.map(
        (l: { id: string }) => l.id,
      ),
    ).toContain(created.body.id);
    const removed = await h.call('DELETE', `/v1/links/${created.body.id}`, { token: app });
    expect(removed.status, removed.text).toBe(200);
    expect(removed.body.status).toBe('deleted');
    expect(linkGroups().filter((g) => g.name.includes(created.body.id))).toEqual([]);
    expect((await h.call('DELETE', `/v1/links/${created.body.id}`, { token: app })).status).toBe(409);
  });

  it.each([
    ['phi never sends to a public target', 'ehr-north', { vmId: 'app-east' }, 'tcp', 443],
    ['phi accepts inbound only from its own site', 'app-east', { vmId: 'ehr-north' }, 'tcp', 5432],
    ['phi never sends to the internet', 'ehr-north', { cidr: '8.8.8.0/24' }, 'udp', 53],
    [
      'public workloads reach on-prem only through declared service endpoints',
      'app-east',
      { vmId: 'lab-north' },
      'tcp',
      8080,
    ],
  ])('denies: %s (403 naming the policies, nothing programmed)', async (_why, from, to, protocol, port) => {
    const before = linkGroups().length;
    const destination = 'vmId' in to ? { vmId: vms[to.vmId]!.id } : to;
    const reply = await link({ from: { vmId: vms[from]!.id }, to: destination, protocol, port });
    expect(reply.status, reply.text).toBe(403);
    expect(reply.body.code).toBe('link.denied');
    expect(reply.body.details.policies.length).toBeGreaterThan(0);
    expect(linkGroups().length).toBe(before);
  });

  it.each([
    ['phi to a hospital network', 'ehr-north', { cidr: '10.30.0.0/16' }],
    ['public cloud to an on-prem service endpoint', 'app-east', { vmId: 'gateway-north' }],
    ['on-prem to on-prem, same site', 'lab-north', { vmId: 'ehr-north' }],
  ])('permits: %s', async (_why, from, to) => {
    const destination = 'vmId' in to ? { vmId: vms[to.vmId]!.id } : to;
    const reply = await link({ from: { vmId: vms[from]!.id }, to: destination, protocol: 'tcp', port: 443 });
    expect(reply.status, reply.text).toBe(201);
    await h.call('DELETE', `/v1/links/${reply.body.id}`, { token: app });
  });

  it('unwinds everything when programming fails half-way', async () => {
    const target = vms['db-east']!.placement.targetId;
    const provider = h.broker.providers.get(target) as SandboxProvider;
    // The destination end fails to attach its group: the source end, already programmed, must go too.
    provider.faults.set({
      rules: [{ type: 'fail', method: 'attachSecurityGroup', kind: 'invalidRequest', count: 2 }],
    });
    const before = linkGroups().length;
    const reply = await link({
      from: { vmId: vms['app-east']!.id },
      to: { vmId: vms['db-east']!.id },
      port: 6379,
      protocol: 'tcp',
    });
    provider.faults.clear();
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(linkGroups().length).toBe(before);
    const listed = await h.call('GET', '/v1/links?limit=100', { token: app });
    expect(
      listed.body.items.filter(
        (l: { status: string; port: number }) => l.status !== 'deleted' && l.port === 6379,
      ),
    ).toEqual([]);
  });

  it('rejects bad links, naming the field', async () => {
    const from = { vmId: vms['app-east']!.id };
    for (const [body, field, status] of [
      [{ from, to: { vmId: vms['db-east']!.id }, protocol: 'tcp' }, 'body.port', 400],
      [{ from, to: { vmId: vms['db-east']!.id }, protocol: 'icmp', port: 1 }, 'body.port', 400],
      [{ from, to: { cidr: '10.1.2.3/24' }, protocol: 'tcp', port: 1 }, 'body.to.cidr', 400],
      [{ from, to: { cidr: 'nope' }, protocol: 'tcp', port: 1 }, 'body.to', 400],
      [{ from, to: from, protocol: 'tcp', port: 1 }, 'body.to.vmId', 400],
      [
        { from, to: { vmId: 'vm-01jb2x3y4z5a6b7c8d9e0f1g2h' }, protocol: 'tcp', port: 1 },
        'body.to.vmId',
        404,
      ],
      [{ from, to: { vmId: vms['db-east']!.id }, protocol: 'sctp', port: 1 }, 'body.protocol', 400],
      [{ from, to: { vmId: vms['db-east']!.id }, protocol: 'tcp', port: 70000 }, 'body.port', 400],
    ] as const) {
      const reply = await link(body as Record<string, unknown>);
      expect(reply.status, JSON.stringify(body)).toBe(status);
      expect(
        reply.body.errors.map((e: { field: string }) => e.field).some((f: string) => f.startsWith(field)),
        JSON.stringify(reply.body.errors),
      ).toBe(true);
    }
    const other = await h.token('tenant-other', ['app']);
    const foreign = await h.call('POST', '/v1/links', {
      token: other,
      body: { from, to: { cidr: '10.0.0.0/8' }, protocol: 'tcp', port: 22 },
    });
    expect(foreign.status).toBe(404);
  });
});
