import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { BundleSummary, PolicyCatalogue, PolicyTestSummary } from '../core/ports/policy-catalogue.ts';
import type { PolicyBundle } from './bundle/policy-bundle.ts';
import type { PolicyTestCase } from './policy-tests/test-cases.ts';

/**
 * The bundle in force, summarised for reading, and its policy tests (`<policiesDir>/tests/*.yaml`) run
 * once against it on first request: the bundle does not change while the process runs.
 */
export class BundlePolicyCatalogue implements PolicyCatalogue {
  readonly #bundle: PolicyBundle;
  readonly #policiesDir: string;
  #tests: Promise<PolicyTestSummary> | undefined;

  constructor(bundle: PolicyBundle, policiesDir: string) {
    this.#bundle = bundle;
    this.#policiesDir = policiesDir;
  }

  bundle(tenant: string | undefined): BundleSummary {
    const { files, policies, hash } = this.#bundle;
    const named = (path: string) => this.#named(path);
    return {
      hash,
      files: [files.schema, ...files.policies, files.targets, ...(files.tenants ? [files.tenants] : [])].map(
        named,
      ),
      policies: policies
        .filter((p) => tenant === undefined || p.tenant === undefined || p.tenant === tenant)
        .map((p) => ({
          id: p.id,
          effect: p.effect,
          file: named(p.file),
          line: p.line,
          ...(p.reason === undefined ? {} : { reason: p.reason }),
        })),
    };
  }

  /** A file by its place in the policies folder (not the deployment's disk layout). */
  #named(path: string): string {
    const inside = relative(resolve(this.#policiesDir), resolve(path));
    return inside.startsWith('..') || isAbsolute(inside) ? basename(path) : inside;
  }

  tests(): Promise<PolicyTestSummary> {
    this.#tests ??= this.#run();
    return this.#tests;
  }

  async #run(): Promise<PolicyTestSummary> {
    // Imported here, not at start: parsing the tests needs the YAML parser, which a start does without.
    const [{ parsePolicyTests, readPolicyTestFiles }, { runPolicyTests }] = await Promise.all([
      import('./policy-tests/test-cases.ts'),
      import('./policy-tests/test-runner.ts'),
    ]);
    let cases: PolicyTestCase[];
    try {
      cases = parsePolicyTests(readPolicyTestFiles(this.#policiesDir));
    } catch {
      // Tests that do not parse are the bundle's CI failure, not this reader's: say none are available.
      return { bundleHash: this.#bundle.hash, available: false, passed: 0, failed: 0, cases: [] };
    }
    const results = await runPolicyTests(this.#bundle, cases);
    const passed = results.filter((r) => r.passed).length;
    return {
      bundleHash: this.#bundle.hash,
      available: cases.length > 0,
      passed,
      failed: results.length - passed,
      cases: results.map((r) => ({
        name: r.case.test.name,
        kind: r.case.kind,
        passed: r.passed,
        failures: r.failures,
      })),
    };
  }
}
