import { beforeAll, describe, expect, it } from 'vitest';
import { compileBundle, type PolicyBundle } from '../../policy-engine/bundle/policy-bundle.ts';
import { parsePolicyTests, readPolicyTestFiles } from '../../policy-engine/policy-tests/test-cases.ts';
import { runPolicyTests } from '../../policy-engine/policy-tests/test-runner.ts';
import { SHIPPED_POLICIES_DIR, shippedSources } from '../support/policy-engine/bundle-sources.ts';

/**
 * The policy tests compliance staff write (policies/tests/*.yaml), one vitest case each, so the project's
 * test command runs them as `npx hcb policy test` does.
 */
const cases = parsePolicyTests(readPolicyTestFiles(SHIPPED_POLICIES_DIR));

describe('policies/tests', () => {
  let bundle: PolicyBundle;
  beforeAll(() => {
    bundle = compileBundle(shippedSources());
  });

  it('has cases for placement, API authorization and every flow action', () => {
    expect(cases.filter((c) => c.kind === 'placement').length).toBeGreaterThan(5);
    expect(cases.filter((c) => c.kind === 'authorization').length).toBeGreaterThan(5);
    for (const action of ['attach', 'copy', 'link'])
      expect(cases.filter((c) => c.kind === 'flow' && c.test.action === action).length).toBeGreaterThan(3);
  });

  it('shows every shipped flow policy deciding some case', () => {
    const named = new Set(cases.flatMap((c) => (c.kind === 'flow' ? (c.test.expect.policies ?? []) : [])));
    for (const p of bundle.policies.filter((q) => q.id.startsWith('flow.')))
      expect([...named]).toContain(p.id);
  });

  for (const c of cases)
    it(`${c.file}:${c.line} ${c.test.name}`, async () => {
      const [result] = await runPolicyTests(bundle, [c]);
      expect(result!.failures).toEqual([]);
    });
});
