import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

interface SandboxRule {
  id: string;
  direction: string;
  protocol: string;
  port?: number;
  portTo?: number;
  remoteCidr?: string;
}

/**
 * The link shapes beyond VM → VM on one port: inbound from a network, port ranges, icmp and IPv6 networks,
 * each decided by the flow policies and programmed as exactly one rule that deleting the link removes.
 */
describe('links: inbound, ranges, icmp, IPv6', () => {
  let h: Harness;
  let app: string;
  const vms: Record<string, { id: string }> = {};

  const vm = async (name: string, classification: string, extra: Record<string, unknown> = {}) => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name, size: 'small', image: 'ubuntu-24.04', classification, ...extra },
    });
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    vms[name] = { id: reply.body.vm.id };
  };
  /** Every rule of the link's groups, read from the simulated clouds' own state files. */
  const rulesOf = (linkId: string): SandboxRule[] =>
    h.broker.providers.all().flatMap((p) => {
      const file = join(h.dataDir, 'sandbox', `${p.target.id}.json`);
      if (!existsSync(file)) return [];
      const state = JSON.parse(readFileSync(file, 'utf8')) as {
        securityGroups: Record<string, { name: string; rules: SandboxRule[] }>;
      };
      return Object.values(state.securityGroups)
        .filter((g) => g.name.includes(linkId))
        .flatMap((g) => g.rules);
    });
  const link = (body: Record<string, unknown>) => h.call('POST', '/v1/links', { token: app, body });
  const activeLinks = async () =>
    (await h.call('GET', '/v1/links?limit=100', { token: app })).body.items.filter(
      (l: { status: string }) => l.status !== 'deleted',
    ).length;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-shapes', ['app']);
    await vm('web', 'internal');
    await vm('ehr', 'phi');
  });
  afterAll(() => h.close());

  it.each([
    [
      'inbound HTTPS from the internet',
      { from: { cidr: '0.0.0.0/0' }, to: { vmId: 'web' }, protocol: 'tcp', port: 443 },
      { direction: 'ingress', protocol: 'tcp', port: 443, remoteCidr: '0.0.0.0/0' },
    ],
    [
      'inbound from the IPv6 internet on a range (stored in its RFC 5952 form)',
      {
        from: { cidr: '2001:DB8:0::/32' },
        to: { vmId: 'web' },
        protocol: 'tcp',
        ports: { from: 8000, to: 8080 },
      },
      { direction: 'ingress', protocol: 'tcp', port: 8000, portTo: 8080, remoteCidr: '2001:db8::/32' },
    ],
    [
      'outbound udp range to a hospital network',
      {
        from: { vmId: 'web' },
        to: { cidr: '10.40.0.0/16' },
        protocol: 'udp',
        ports: { from: 5000, to: 5010 },
      },
      { direction: 'egress', protocol: 'udp', port: 5000, portTo: 5010, remoteCidr: '10.40.0.0/16' },
    ],
    [
      'inbound icmp from IPv6 anywhere',
      { from: { cidr: '::/0' }, to: { vmId: 'web' }, protocol: 'icmp' },
      { direction: 'ingress', protocol: 'icmp', remoteCidr: '::/0' },
    ],
    [
      'phi takes inbound from the hospital network',
      { from: { cidr: '10.30.0.0/16' }, to: { vmId: 'ehr' }, protocol: 'tcp', ports: { from: 443, to: 443 } },
      { direction: 'ingress', protocol: 'tcp', port: 443, remoteCidr: '10.30.0.0/16' },
    ],
  ])('programs %s as exactly one rule, and deleting removes it', async (_what, request, rule) => {
    const named = (end: Record<string, string>) => ('vmId' in end ? { vmId: vms[end.vmId!]!.id } : end);
    const created = await link({
      ...request,
      from: named(request.from as Record<string, string>),
      to: named(request.to as Record<string, string>),
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.status).toBe('active');
    expect(created.body.rules).toHaveLength(1);
    const cidr = rule.remoteCidr;
    expect('cidr' in request.from ? created.body.from : created.body.to).toEqual({ cidr });
    const { port, portTo } = rule as Partial<SandboxRule>;
    if (rule.protocol === 'icmp') expect(created.body.ports).toBeUndefined();
    else expect(created.body.ports).toEqual({ from: port, to: portTo ?? port });
    const programmed = rulesOf(created.body.id);
    expect(programmed).toHaveLength(1);
    expect(programmed[0]).toEqual({ id: programmed[0]!.id, ...rule });

    const removed = await h.call('DELETE', `/v1/links/${created.body.id}`, { token: app });
    expect(removed.status, removed.text).toBe(200);
    expect(rulesOf(created.body.id)).toEqual([]);
  });

  it.each([
    [
      'phi takes nothing from the IPv4 internet',
      { cidr: '0.0.0.0/0' },
      'ehr',
      'tcp',
      443,
      'flow.phi-no-internet-inbound',
    ],
    [
      'nor from the IPv6 internet',
      { cidr: '::/0' },
      'ehr',
      'icmp',
      undefined,
      'flow.phi-no-internet-inbound',
    ],
    [
      'SSH is never opened to the internet',
      { cidr: '198.51.100.0/24' },
      'web',
      'tcp',
      22,
      'flow.no-internet-remote-admin',
    ],
    [
      'nor inside a range',
      { cidr: '2001:db8::/32' },
      'web',
      'tcp',
      [3000, 4000],
      'flow.no-internet-remote-admin',
    ],
  ])(
    'denies %s (403 naming the policy, nothing programmed)',
    async (_why, from, to, protocol, port, policy) => {
      const before = await activeLinks();
      const reply = await link({
        from,
        to: { vmId: vms[to]!.id },
        protocol,
        ...(Array.isArray(port) ? { ports: { from: port[0], to: port[1] } } : port ? { port } : {}),
      });
      expect(reply.status, reply.text).toBe(403);
      expect(reply.body.code).toBe('link.denied');
      expect(reply.body.details.policies).toContain(policy);
      expect(await activeLinks()).toBe(before);
    },
  );

  it('phi sends nothing to the IPv6 internet', async () => {
    const reply = await link({
      from: { vmId: vms.ehr!.id },
      to: { cidr: '2a00:1450::/32' },
      protocol: 'tcp',
      port: 443,
    });
    expect(reply.status, reply.text).toBe(403);
    expect(reply.body.details.policies).toContain('flow.phi-no-internet');
  });

  it('rejects malformed shapes with a 400 naming the field', async () => {
    const web = { vmId: '' };
    const cases: [Record<string, unknown>, string][] = [
      [{ from: { cidr: '10.0.0.0/8' }, to: { cidr: '10.1.0.0/16' }, protocol: 'tcp', port: 1 }, 'body.to'],
      [{ from: { cidr: '10.1.2.3/24' }, to: web, protocol: 'tcp', port: 1 }, 'body.from.cidr'],
      [{ from: { cidr: '2001:db8::1/32' }, to: web, protocol: 'tcp', port: 1 }, 'body.from.cidr'],
      [{ from: { cidr: '010.0.0.0/8' }, to: web, protocol: 'tcp', port: 1 }, 'body.from.cidr'],
      [{ from: { cidr: '10.0.0.0/33' }, to: web, protocol: 'tcp', port: 1 }, 'body.from.cidr'],
      [{ from: { cidr: 'fe80::%eth0/64' }, to: web, protocol: 'tcp', port: 1 }, 'body.from'],
      [{ from: web, to: { cidr: '10.0.0.0/8' }, protocol: 'tcp', ports: { from: 90, to: 80 } }, 'body.ports'],
      [
        { from: web, to: { cidr: '10.0.0.0/8' }, protocol: 'tcp', port: 80, ports: { from: 80, to: 90 } },
        'body.ports',
      ],
      [
        { from: web, to: { cidr: '10.0.0.0/8' }, protocol: 'icmp', ports: { from: 80, to: 90 } },
        'body.ports',
      ],
      [{ from: web, to: { cidr: '10.0.0.0/8' }, protocol: 'tcp', ports: { from: 0, to: 90 } }, 'body.ports'],
    ];
    for (const [body, field] of cases) {
      const withVm = JSON.parse(JSON.stringify(body).replaceAll('"vmId":""', `"vmId":"${vms.web!.id}"`));
      const reply = await link(withVm);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(
        reply.body.errors.some((e: { field: string }) => e.field.startsWith(field)),
        `${JSON.stringify(body)}: ${JSON.stringify(reply.body.errors)}`,
      ).toBe(true);
    }
    const hostBits = await link({
      from: { cidr: '10.1.2.3/24' },
      to: { vmId: vms.web!.id },
      protocol: 'tcp',
      port: 1,
    });
    expect(JSON.stringify(hostBits.body.errors)).toContain('10.1.2.0/24');
  });
});
