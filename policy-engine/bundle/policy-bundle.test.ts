import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import {
  shippedSources,
  withCatalogue,
  withPolicyFile,
  withTenants,
} from '../../test/support/policy-engine/bundle-sources.ts';
import { bundleHash } from './bundle-hash.ts';
import { type BundleSources, compileBundle } from './policy-bundle.ts';

/** The problems a bundle is refused for, as `file:line: message` lines. */
function problemsOf(sources: BundleSources): string[] {
  try {
    compileBundle(sources);
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe('policy.bundleInvalid');
    return (error as BrokerError).message
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
  }
  throw new Error('the bundle was accepted');
}

describe('the shipped bundle', () => {
  it('loads, with every policy known by its @id and no warnings', () => {
    const bundle = compileBundle(shippedSources());
    expect(bundle.policies.map((p) => p.id)).toEqual(
      expect.arrayContaining([
        'place.phi-onprem-only',
        'place.sensitive-on-hipaa-eligible',
        'api.tenant-isolation',
      ]),
    );
    expect(bundle.warnings).toEqual([]);
    expect(bundle.hash).toMatch(/^[0-9a-f]{64}$/);
    expect([...bundle.targets.keys()]).toEqual(bundle.catalogue.targets.map((t) => t.id));
  });

  it('ships no permit that lets phi onto a public target, and the I1 forbid has no exception', () => {
    const bundle = compileBundle(shippedSources());
    const i1 = bundle.policies.find((p) => p.id === 'place.phi-onprem-only')!;
    expect(i1.effect).toBe('forbid');
    expect(i1.text).not.toContain('unless');
    expect(i1.tenant).toBeUndefined();
  });
});

describe('an invalid bundle is refused with file, line and problem', () => {
  const base = shippedSources();

  it('a syntax error, after non-ASCII text, in the second of several files', () => {
    const text =
      '// Ausnahme — für Tests\n@id("x.one")\npermit (principal, action, resource);\n\n@id("x.two")\npermit (principal, action, resource) when { 1 + };\n';
    const problems = problemsOf(withPolicyFile(base, 'zz-extra.cedar', text));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^policies\/zz-extra\.cedar:6:\d+: .*unexpected token/);
  });

  it('a policy that does not fit the schema, named by its line and @id', () => {
    const text = [
      '@id("x.fine")',
      'permit (principal, action == Action::"place", resource is Target);',
      '',
      '// the typo is on the next-but-one line',
      '@id("x.typo")',
      'forbid (principal, action == Action::"place", resource is Target)',
      'when { resource.hipaaEligable };',
    ].join('\n');
    const problems = problemsOf(withPolicyFile(base, 'typo.cedar', text));
    expect(problems).toEqual([
      expect.stringMatching(
        /^policies\/typo\.cedar:7:8: for policy `x\.typo`.*hipaaEligable.*did you mean `hipaaEligible`/,
      ),
    ]);
  });

  it('a misspelt classification value', () => {
    const text =
      '@id("x.phi")\nforbid (principal, action == Action::"place", resource)\nwhen { context.classification == Classification::"PHI" };\n';
    expect(problemsOf(withPolicyFile(base, 'x.cedar', text))).toEqual([
      expect.stringMatching(/^policies\/x\.cedar:3:\d+: .*PHI.* is not declared as a valid eid/),
    ]);
  });

  it('a policy without @id, and a duplicate @id in another file', () => {
    const text =
      'permit (principal, action, resource);\n\n@id("place.phi-onprem-only")\npermit (principal, action, resource);\n';
    const problems = problemsOf(withPolicyFile(base, 'y.cedar', text));
    expect(problems).toContain('policies/y.cedar:1:1: every policy needs an @id("...") annotation');
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^policies\/y\.cedar:3:1: duplicate @id\("place\.phi-onprem-only"\), first used at policies\/placement\.cedar:\d+$/,
      ),
    );
  });

  it('an exception that does not name its tenant, a reserved id and a template', () => {
    const text = [
      '@id("exception.everyone")',
      'permit (principal, action == Action::"place", resource);',
      '@id("builtin.sneaky")',
      'permit (principal, action, resource);',
    ].join('\n');
    const problems = problemsOf(withPolicyFile(base, 'exc.cedar', text));
    expect(problems).toEqual([
      expect.stringMatching(
        /^policies\/exc\.cedar:1:1: .*an exception must be a permit scoped to one tenant/,
      ),
      expect.stringMatching(/^policies\/exc\.cedar:3:1: .*reserved/),
    ]);
    const template = '@id("t")\npermit (principal == ?principal, action, resource);\n';
    expect(problemsOf(withPolicyFile(base, 't.cedar', template))).toEqual([
      expect.stringMatching(/^policies\/t\.cedar:2:\d+: policy templates are not supported/),
    ]);
  });

  it('a target attribute the schema does not declare, and one of the wrong type', () => {
    const bundle = compileBundle(base);
    const catalogue = structuredClone(bundle.catalogue);
    catalogue.targets[1]!.attributes.tier = 'gold';
    catalogue.targets[2]!.attributes.network = 7;
    const problems = problemsOf(withCatalogue(base, catalogue));
    expect(problems).toEqual([
      expect.stringMatching(
        /^policies\/targets\.yaml:\d+: target sandbox-onprem-south: attribute tier is not declared/,
      ),
      expect.stringMatching(
        /^policies\/targets\.yaml:\d+: target sandbox-public-east: attribute network must be a string, not 7/,
      ),
    ]);
  });

  it('a tenant attribute the schema does not declare, on its line', () => {
    const problems = problemsOf(
      withTenants(base, 'tenants:\n  a: {}\n  b:\n    allowedJurisdiction: [US]\n'),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^policies\/tenants\.yaml:3: tenant b: attribute allowedJurisdiction is not declared/,
      ),
    ]);
  });

  it('a schema syntax error, and a vocabulary that differs from the code', () => {
    const broken = base.schema.text.replace('hipaaEligible: Bool,', 'hipaaEligible: Bool,,');
    const line = base.schema.text
      .slice(0, base.schema.text.indexOf('hipaaEligible: Bool,'))
      .split('\n').length;
    const p1 = problemsOf({ ...base, schema: { ...base.schema, text: broken } });
    expect(p1[0]).toMatch(new RegExp(`^policies/schema\\.cedarschema:${line}:\\d+: `));
    const renamed = base.schema.text.replace('"pii", "phi"]', '"pii", "phi", "secret"]');
    const p2 = problemsOf({ ...base, schema: { ...base.schema, text: renamed } });
    expect(p2).toContainEqual(
      expect.stringMatching(
        /schema\.cedarschema:12:1: Classification must list exactly public, internal, pii, phi/,
      ),
    );
  });

  it('a schema change the broker does not follow (the place context it sends)', () => {
    const renamed = base.schema.text.replace(
      'region?: String,\n  // The workload',
      'regionWish?: String,\n  // The workload',
    );
    expect(renamed).not.toBe(base.schema.text);
    expect(problemsOf({ ...base, schema: { ...base.schema, text: renamed } })).toContainEqual(
      expect.stringMatching(/placement context the broker sends does not fit: .*region/),
    );
  });
});

describe('warnings that do not stop the bundle', () => {
  it('names a policy that names a target targets.yaml does not list', () => {
    const text =
      '@id("exception.t.gone")\npermit (principal in Tenant::"t", action == Action::"place", resource == Target::"gone");\n';
    const bundle = compileBundle(withPolicyFile(shippedSources(), 'gone.cedar', text));
    expect(bundle.warnings).toEqual([
      'policies/gone.cedar:1: exception.t.gone names Target::"gone", which targets.yaml does not list',
    ]);
  });
});

describe('the bundle hash', () => {
  const base = shippedSources();

  it('is stable, ignores line endings and file order, and covers every part', () => {
    const hash = bundleHash(base);
    expect(bundleHash({ ...base, policies: [...base.policies].reverse() })).toBe(hash);
    const crlf = { ...base, targets: { ...base.targets, text: base.targets.text.replace(/\n/g, '\r\n') } };
    expect(bundleHash(crlf)).toBe(hash);
    const edits: BundleSources[] = [
      { ...base, schema: { ...base.schema, text: `${base.schema.text}\n` } },
      withPolicyFile(
        base,
        'placement.cedar',
        `${base.policies.find((f) => f.name === 'placement.cedar')!.text}// x\n`,
      ),
      { ...base, targets: { ...base.targets, text: `${base.targets.text}# x\n` } },
      withTenants(base, 'tenants: {}\n'),
    ];
    for (const edited of edits) expect(bundleHash(edited)).not.toBe(hash);
  });
});
