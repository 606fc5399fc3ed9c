import { beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import { shippedSources } from '../../test/support/policy-engine/bundle-sources.ts';
import { compileBundle, type PolicyBundle } from '../bundle/policy-bundle.ts';
import { parsePolicyTests } from './test-cases.ts';
import { formatTestReport } from './test-report.ts';
import { runPolicyTests } from './test-runner.ts';

const file = (text: string) => [{ path: 'policies/tests/t.yaml', name: 'tests/t.yaml', text }];

describe('policy tests as data', () => {
  let bundle: PolicyBundle;
  beforeAll(() => {
    bundle = compileBundle(shippedSources());
  });

  it('reports a wrong expectation with its file, line and what differed', async () => {
    const cases = parsePolicyTests(
      file(
        [
          'placement:',
          '  - name: right',
          '    principal: { tenant: t, roles: [app] }',
          '    workload: { classification: phi, size: small }',
          '    expect: { chosen: sandbox-onprem-north }',
          '  - name: wrong',
          '    principal: { tenant: t, roles: [app] }',
          '    workload: { classification: phi, size: small }',
          '    expect:',
          '      chosen: sandbox-public-east',
          '      denied: { sandbox-public-east: [place.open-data-anywhere], sandbox-onprem-north: ~ }',
          'authorization:',
          '  - name: auditors create VMs?',
          '    principal: { tenant: t, roles: [auditor] }',
          '    action: vm.create',
          '    resource: { type: vm }',
          '    expect: { allowed: true }',
        ].join('\n'),
      ),
    );
    const results = await runPolicyTests(bundle, cases);
    expect(results.map((r) => r.passed)).toEqual([true, false, false]);
    expect(results[1]!.failures).toEqual([
      'chosen: expected sandbox-public-east, got sandbox-onprem-north',
      'sandbox-public-east: expected denied by [place.open-data-anywhere], got denied by [place.phi-onprem-only]',
      'sandbox-onprem-north: expected denied, got permitted by [place.sensitive-on-hipaa-eligible]',
    ]);
    expect(results[2]!.failures).toEqual(['expected allowed, got denied by [builtin.default-deny]']);
    const report = formatTestReport(results, bundle.hash);
    expect(report).toContain('FAIL [place] wrong\n         at policies/tests/t.yaml:6\n');
    expect(report).toContain('1 passed, 2 failed, 3 total');
  });

  it('runs flow cases (attach, copy, link), reporting what differed and unknown targets', async () => {
    const cases = parsePolicyTests(
      file(
        [
          'link:',
          '  - name: phi to the internet',
          '    principal: { tenant: t, roles: [app] }',
          '    from: { classification: phi, target: sandbox-onprem-north }',
          '    to: { cidr: 8.8.8.0/24 }',
          '    protocol: udp',
          '    port: 53',
          '    expect: { allowed: false, policies: [flow.phi-no-internet] }',
          '  - name: wrong',
          '    principal: { tenant: t, roles: [app] }',
          '    from: { classification: phi, target: sandbox-onprem-north }',
          '    to: { classification: pii, target: sandbox-public-east }',
          '    expect: { allowed: true }',
          'copy:',
          '  - name: nowhere',
          '    principal: { tenant: t, roles: [app] }',
          '    artefact: { kind: image, classification: public }',
          '    from: sandbox-onprem-north',
          '    to: nowhere',
          '    expect: { allowed: true }',
          'attach:',
          '  - name: phi on-prem',
          '    principal: { tenant: t, roles: [admin] }',
          '    volume: { classification: phi }',
          '    vm: { classification: phi, target: sandbox-onprem-south }',
          '    expect: { allowed: true, policies: [flow.attach-default-permit] }',
        ].join('\n'),
      ),
    );
    const results = await runPolicyTests(bundle, cases);
    expect(results.map((r) => [r.case.test.name, r.passed])).toEqual([
      ['phi on-prem', true],
      ['nowhere', false],
      ['phi to the internet', true],
      ['wrong', false],
    ]);
    expect(results[1]!.failures).toEqual(['unknown target nowhere (not in targets.yaml)']);
    expect(results[3]!.failures).toEqual(['expected allowed, got denied by [flow.phi-no-egress-public]']);
    const report = formatTestReport(results, bundle.hash);
    expect(report).toContain('ok   [attach] phi on-prem');
    expect(report).toContain('FAIL [link] wrong\n         at policies/tests/t.yaml:9\n');
  });

  it('refuses a malformed flow case, naming the line', () => {
    const malformed =
      'link:\n  - name: x\n    principal: { tenant: t, roles: [app] }\n    from: { classification: phi, target: a }\n    to: { cidr: 10.0.0.1/8 }\n    expect: { allowed: false }\n';
    expect(() => parsePolicyTests(file(malformed))).toThrow(
      /policies\/tests\/t\.yaml:5: link\.0\.to(\.cidr)?: /,
    );
  });

  it('refuses a malformed test file, naming the line', () => {
    const malformed =
      'placement:\n  - name: x\n    principal: { tenant: t, roles: [wizard] }\n    workload: { classification: phi }\n    expect: { chosen: none }\n';
    expect(() => parsePolicyTests(file(malformed))).toThrow(BrokerError);
    expect(() => parsePolicyTests(file(malformed))).toThrow(
      /policies\/tests\/t\.yaml:3: placement\.0\.principal\.roles\.0: /,
    );
  });
});
