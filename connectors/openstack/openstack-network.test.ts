import { describe, expect, it } from 'vitest';
import { unitProvider } from '../../test/support/openstack/fake-cloud.ts';
import { FakeFetch, json } from '../../test/support/openstack/fake-fetch.ts';
import { sameRule, toCloudRule, toRuleBody } from './neutron-security-groups.ts';

const rule = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  security_group_id: 'g1',
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: 'tcp',
  port_range_min: 5432,
  port_range_max: 5432,
  remote_ip_prefix: '10.1.2.0/24',
  remote_group_id: null,
  ...extra,
});

describe('OpenStack network (Neutron)', () => {
  it('hides the default egress rules and adds a rule only once', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    const rules: unknown[] = [
      rule('default-egress', {
        direction: 'egress',
        protocol: null,
        port_range_min: null,
        port_range_max: null,
        remote_ip_prefix: null,
      }),
    ];
    fake
      .on('GET', /security-groups\/g1$/, () =>
        json(200, {
          security_group: {
            id: 'g1',
            name: 'g',
            description: '',
            tags: ['hcb:lnk-1'],
            security_group_rules: rules,
          },
        }),
      )
      .on('POST', /security-group-rules$/, () => {
        rules.push(rule('r1'));
        return json(201, { security_group_rule: rule('r1') });
      });
    expect((await p.network.getSecurityGroup('g1')).rules).toEqual([]);
    const wanted = {
      direction: 'ingress' as const,
      protocol: 'tcp' as const,
      port: 5432,
      remoteCidr: '10.1.2.0/24',
    };
    const a = await p.network.addRule('g1', wanted);
    const b = await p.network.addRule('g1', wanted);
    expect(a.id).toBe('r1');
    expect(b.id).toBe('r1');
    expect(
      fake.calls.filter((c) => c.method === 'POST' && c.url.pathname.endsWith('security-group-rules')),
    ).toHaveLength(1);
    const body = JSON.parse(
      fake.calls.find((c) => c.method === 'POST' && c.url.pathname.endsWith('rules'))!.body!,
    );
    expect(body.security_group_rule).toEqual({
      security_group_id: 'g1',
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 5432,
      port_range_max: 5432,
      remote_ip_prefix: '10.1.2.0/24',
    });
  });

  it('attaches a group on the server ports with If-Match, re-reading after a 412', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    let revision = 3;
    const port = () => ({
      id: 'port1',
      network_id: 'n',
      device_id: 's1',
      status: 'ACTIVE',
      fixed_ips: [],
      security_groups: ['default'],
      revision_number: revision,
    });
    fake
      .on('GET', /v2\.0\/ports$/, () => json(200, { ports: [port()] }))
      .on('PUT', /v2\.0\/ports\/port1$/, (c) =>
        c.headers.get('if-match') === `revision_number=${revision}`
          ? json(200, { port: port() })
          : json(412, { NeutronError: { type: 'RevisionNumberConstraintFailed' } }),
      );
    // Someone else changes the port between our read and our write.
    fake.on(
      'GET',
      /v2\.0\/ports$/,
      () => {
        const seen = port();
        revision = 4;
        return json(200, { ports: [seen] });
      },
      1,
    );
    await p.network.attachSecurityGroup('s1', 'g1');
    const puts = fake.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => c.headers.get('if-match'))).toEqual(['revision_number=3', 'revision_number=4']);
    expect(JSON.parse(puts[1]!.body!)).toEqual({ port: { security_groups: ['default', 'g1'] } });
  });
});

describe('Neutron rule mapping: ranges, IPv6, ICMP', () => {
  it('sends a range as port_range_min/max and an IPv6 network with ethertype IPv6', () => {
    const range = {
      direction: 'ingress' as const,
      protocol: 'tcp' as const,
      port: 8000,
      portTo: 8080,
      remoteCidr: '2001:db8::/32',
    };
    expect(toRuleBody('g1', range)).toEqual({
      security_group_id: 'g1',
      direction: 'ingress',
      ethertype: 'IPv6',
      protocol: 'tcp',
      port_range_min: 8000,
      port_range_max: 8080,
      remote_ip_prefix: '2001:db8::/32',
    });
    expect(
      toCloudRule(
        rule('r2', {
          ethertype: 'IPv6',
          port_range_min: 8000,
          port_range_max: 8080,
          remote_ip_prefix: '2001:db8::/32',
        }) as never,
      ),
    ).toEqual({ id: 'r2', ...range });
    expect(sameRule({ id: 'r2', ...range }, range)).toBe(true);
    expect(sameRule({ id: 'r2', ...range }, { ...range, portTo: 8081 })).toBe(false);
  });

  it('names ICMP over IPv6 ipv6-icmp, with no ports, and reads it back as icmp', () => {
    const ping = { direction: 'ingress' as const, protocol: 'icmp' as const, remoteCidr: '::/0' };
    expect(toRuleBody('g1', ping)).toEqual({
      security_group_id: 'g1',
      direction: 'ingress',
      ethertype: 'IPv6',
      protocol: 'ipv6-icmp',
      remote_ip_prefix: '::/0',
    });
    const back = toCloudRule(
      rule('r3', {
        ethertype: 'IPv6',
        protocol: 'ipv6-icmp',
        port_range_min: null,
        port_range_max: null,
        remote_ip_prefix: '::/0',
      }) as never,
    );
    expect(back).toEqual({ id: 'r3', ...ping });
    expect(sameRule(back!, ping)).toBe(true);
  });
});
