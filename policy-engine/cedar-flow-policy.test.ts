import { beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from '../core/errors.ts';
import type { Principal } from '../core/model/principal.ts';
import type { Target } from '../core/model/target.ts';
import type { LinkRequest } from '../core/ports/flow-policy.ts';
import { shippedSources, withPolicyFile } from '../test/support/policy-engine/bundle-sources.ts';
import { FLOW_EXCEPTION_EXAMPLE } from '../test/support/policy-engine/flow-examples.ts';
import { bundleHash } from './bundle/bundle-hash.ts';
import { type BundleSources, compileBundle, type PolicyBundle } from './bundle/policy-bundle.ts';
import { CedarFlowPolicy } from './cedar-flow-policy.ts';
import { DEFAULT_DENY, EVALUATION_ERROR } from './verdict.ts';

const app = (tenant: string): Principal => ({ sub: `app-${tenant}`, tenant, roles: ['app'] });

function problemsOf(sources: BundleSources): string {
  try {
    compileBundle(sources);
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    return (error as BrokerError).message;
  }
  throw new Error('the bundle was accepted');
}

describe('CedarFlowPolicy', () => {
  const shipped = shippedSources();
  let bundle: PolicyBundle;
  let flows: CedarFlowPolicy;
  let target: (id: string) => Target;
  beforeAll(() => {
    bundle = compileBundle(shipped);
    flows = new CedarFlowPolicy(bundle);
    target = (id) => bundle.catalogue.targets.find((t) => t.id === id)!;
  });

  /** A link from a VM of `tenant` on `from` to a VM of the same tenant on `to`. */
  const link = (tenant: string, from: string, to: string, more: Partial<LinkRequest> = {}): LinkRequest => ({
    principal: app(tenant),
    from: { classification: 'internal', target: target(from), tenant },
    to: { kind: 'vm', classification: 'pii', target: target(to), tenant, serviceEndpoint: false },
    port: 11112,
    protocol: 'tcp',
    ...more,
  });

  it('names the deciding policies by @id, with the forbids’ @reason', () => {
    expect(
      flows.attach({
        principal: app('mercy-clinic'),
        volume: { classification: 'phi' },
        vm: { classification: 'phi' },
        target: target('sandbox-public-east'),
      }),
    ).toEqual({
      permitted: false,
      policies: ['flow.phi-attach-onprem-only'],
      reasons: ['a phi volume attaches only to VMs on on-prem targets (I1)'],
    });
    const both = flows.link({
      ...link('mercy-clinic', 'sandbox-onprem-north', 'sandbox-public-east'),
      from: { classification: 'phi', target: target('sandbox-onprem-north'), tenant: 'mercy-clinic' },
      to: {
        kind: 'vm',
        classification: 'phi',
        target: target('sandbox-public-east'),
        tenant: 'acme-health',
        serviceEndpoint: true,
      },
    });
    expect(both.permitted).toBe(false);
    expect(both.policies).toEqual([
      'flow.phi-inbound-same-site',
      'flow.phi-no-egress-public',
      'flow.tenant-isolation',
    ]);
    expect(flows.link(link('mercy-clinic', 'sandbox-public-east', 'sandbox-onprem-north'))).toEqual({
      permitted: false,
      policies: [DEFAULT_DENY],
      reasons: ['no policy permits it (default deny)'],
    });
  });

  it('hands out its own arrays: a caller changing a decision does not change the next one', () => {
    const request = link('mercy-clinic', 'sandbox-onprem-north', 'sandbox-onprem-south');
    const first = flows.link(request);
    first.policies.push('tampered');
    expect(flows.link(request).policies).toEqual(['flow.link-default-permit']);
  });

  it('denies a target the bundle does not know, fail closed', () => {
    const unknown = { ...target('sandbox-onprem-north'), id: 'nowhere' };
    expect(
      flows.copy({
        principal: app('mercy-clinic'),
        artefact: { kind: 'image', classification: 'public' },
        from: unknown,
        to: target('sandbox-onprem-south'),
      }),
    ).toEqual({
      permitted: false,
      policies: [EVALUATION_ERROR],
      reasons: ['cedar failed: target nowhere is not in the policy bundle (denied: fail closed)'],
    });
  });

  it('denies a CIDR Cedar cannot read when a policy reads it', () => {
    const reading = compileBundle(
      withPolicyFile(
        shipped,
        'cidr.cedar',
        '@id("t.no-doc-range")\nforbid (principal, action == Action::"link", resource is Network)\n' +
          'when { resource.cidr.isInRange(ip("203.0.113.0/24")) };\n',
      ),
    );
    const cidrFlows = new CedarFlowPolicy(reading);
    const to = (cidr: string) => ({ kind: 'cidr' as const, cidr, internet: false });
    const base = link('mercy-clinic', 'sandbox-onprem-north', 'sandbox-onprem-north');
    expect(cidrFlows.link({ ...base, to: to('10.1.0.0/16') }).permitted).toBe(true);
    expect(cidrFlows.link({ ...base, to: to('203.0.113.128/25') }).policies).toEqual(['t.no-doc-range']);
    const garbled = cidrFlows.link({ ...base, to: to('10.1.0.0/99') });
    expect(garbled).toMatchObject({ permitted: false, policies: [EVALUATION_ERROR] });
  });

  describe('exceptions (the docs/policies.md example, CR-0131)', () => {
    let excepted: CedarFlowPolicy;
    beforeAll(() => {
      excepted = new CedarFlowPolicy(
        compileBundle(withPolicyFile(shipped, 'exceptions-flows.cedar', FLOW_EXCEPTION_EXAMPLE)),
      );
    });

    it('widens the service-endpoint rule for the named tenant, on the named port, to the named target', () => {
      const id = 'exception.st-jude-research.analytics-to-pacs';
      expect(excepted.link(link('st-jude-research', 'sandbox-public-east', 'sandbox-onprem-north'))).toEqual({
        permitted: true,
        policies: [id],
        reasons: [],
      });
      for (const other of [
        link('mercy-clinic', 'sandbox-public-east', 'sandbox-onprem-north'),
        link('st-jude-research', 'sandbox-public-east', 'sandbox-onprem-north', { port: 443 }),
        link('st-jude-research', 'sandbox-public-east', 'sandbox-onprem-south'),
      ])
        expect(excepted.link(other).policies).toEqual([DEFAULT_DENY]);
    });

    it('cannot lift a phi forbid, nor tenant isolation — not even an exception written to try', () => {
      const careless = compileBundle(
        withPolicyFile(
          shipped,
          'exceptions-flows.cedar',
          '@id("exception.st-jude-research.anything")\n' +
            'permit (principal in Tenant::"st-jude-research", action in [Action::"attach", Action::"copy", Action::"link"], resource);\n',
        ),
      );
      const wide = new CedarFlowPolicy(careless);
      const tenant = 'st-jude-research';
      const into = link(tenant, 'sandbox-public-east', 'sandbox-onprem-north');
      const phiInto = { ...into, to: { ...into.to, classification: 'phi' as const } };
      expect(wide.link(phiInto).policies).toEqual(['flow.phi-inbound-same-site']);
      const phiOut = link(tenant, 'sandbox-onprem-north', 'sandbox-public-east', {
        from: { classification: 'phi', target: target('sandbox-onprem-north'), tenant },
      });
      expect(wide.link(phiOut).policies).toEqual(['flow.phi-no-egress-public']);
      const elsewhere = { ...into, to: { ...into.to, tenant: 'mercy-clinic' } };
      expect(wide.link(elsewhere).policies).toEqual(['flow.tenant-isolation']);
      expect(
        wide.copy({
          principal: app(tenant),
          artefact: { kind: 'snapshot', classification: 'phi' },
          from: target('sandbox-onprem-north'),
          to: target('sandbox-public-west'),
        }).policies,
      ).toEqual(['flow.phi-copy-onprem-only']);
      // What it does widen: the service-endpoint rule, for its own tenant only.
      expect(wide.link(into)).toMatchObject({ permitted: true });
      expect(wide.link(link('mercy-clinic', 'sandbox-public-east', 'sandbox-onprem-north')).permitted).toBe(
        false,
      );
    });

    it('must name its tenant, or the bundle refuses to load', () => {
      const unscoped =
        '@id("exception.st-jude-research.pacs")\npermit (principal, action == Action::"link", resource is Workload);\n';
      expect(problemsOf(withPolicyFile(shipped, 'exceptions-flows.cedar', unscoped))).toMatch(
        /exceptions-flows\.cedar:1:1: @id\("exception\.st-jude-research\.pacs"\): an exception must be a permit scoped to one tenant/,
      );
    });
  });

  describe('the bundle', () => {
    it('validates flows.cedar against the schema and covers it by the hash', () => {
      const misspelt = shipped.policies
        .find((f) => f.name === 'flows.cedar')!
        .text.replace('resource.internet', 'resource.isInternet');
      expect(problemsOf(withPolicyFile(shipped, 'flows.cedar', misspelt))).toMatch(
        /policies\/flows\.cedar:\d+:\d+: for policy `flow\.phi-no-internet`, attribute `isInternet` on entity type `Network` not found/,
      );
      const commented = `${shipped.policies.find((f) => f.name === 'flows.cedar')!.text}// x\n`;
      expect(bundleHash(withPolicyFile(shipped, 'flows.cedar', commented))).not.toBe(bundleHash(shipped));
    });

    it('refuses a schema without a flow action, or whose flow shapes the broker does not send', () => {
      const text = shipped.schema.text;
      const noLink = text.replace(/action link appliesTo \{[^}]*\};/, '');
      expect(noLink).not.toBe(text);
      expect(problemsOf({ ...shipped, schema: { ...shipped.schema, text: noLink } })).toContain(
        'action link is required (the broker asks it before creating a link)',
      );
      const renamed = text.replace('  port: Long,', '  dstPort: Long,');
      expect(renamed).not.toBe(text);
      expect(problemsOf({ ...shipped, schema: { ...shipped.schema, text: renamed } })).toMatch(
        /the link context the broker sends does not fit: .*`dstPort`/,
      );
      const protocols = text.replace('["tcp", "udp", "icmp"]', '["tcp", "udp"]');
      expect(problemsOf({ ...shipped, schema: { ...shipped.schema, text: protocols } })).toMatch(
        /Protocol must list exactly tcp, udp, icmp/,
      );
    });
  });
});
