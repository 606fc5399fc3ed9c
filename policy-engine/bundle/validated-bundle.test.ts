import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { shippedSources, withPolicyFile } from '../../test/support/policy-engine/bundle-sources.ts';
import { compileBundle, trustValidatedBundle, validateBundle } from './policy-bundle.ts';
import { parseValidatedBundle, serializeValidatedBundle } from './validated-bundle.ts';

describe('a bundle validated at build time', () => {
  it('survives its JSON form exactly (Maps and Sets included)', () => {
    const validated = validateBundle(shippedSources());
    const back = parseValidatedBundle(serializeValidatedBundle(validated));
    expect(back.schema.entityTypes).toBeInstanceOf(Map);
    expect(back.compiled.policies[0]!.attributeNames).toBeInstanceOf(Set);
    expect(isDeepStrictEqual(back, validated)).toBe(true);
  });

  it('gives the same bundle as validating at start', () => {
    const sources = shippedSources();
    const validated = parseValidatedBundle(serializeValidatedBundle(validateBundle(sources)));
    const fresh = compileBundle(sources);
    trustValidatedBundle(validated);
    const trusted = compileBundle(sources);
    expect(trusted.hash).toBe(fresh.hash);
    expect(trusted.policies).toEqual(fresh.policies);
    expect(trusted.catalogue).toEqual(fresh.catalogue);
    expect(trusted.targets).toEqual(fresh.targets);
    expect(trusted.tenants).toEqual(fresh.tenants);
    expect(trusted.warnings).toEqual(fresh.warnings);
  });

  it('is trusted only for exactly the files it was made from', () => {
    const sources = withPolicyFile(
      shippedSources(),
      'extra.cedar',
      '@id("cold.extra")\npermit(principal, action, resource);',
    );
    trustValidatedBundle({ ...validateBundle(sources) });
    // One character more in a policy: the trusted result does not apply, the broken policy is found.
    const edited = withPolicyFile(
      sources,
      'extra.cedar',
      '@id("cold.extra")\npermit(principal, action, resource);;',
    );
    expect(() => compileBundle(edited)).toThrow(/policy bundle is invalid/);
    // The same text under another path (paths show in messages and the policy listing) is validated too.
    const moved = {
      ...sources,
      policies: sources.policies.map((f) => ({ ...f, path: `elsewhere/${f.name}` })),
    };
    expect(compileBundle(moved).files.policies.every((p) => p.startsWith('elsewhere/'))).toBe(true);
  });

  it('refuses a file without a digest', () => {
    expect(() => parseValidatedBundle('{"schema":{}}')).toThrow(/no digest/);
  });
});
