import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { TargetCatalogue } from '../../../core/model/target.ts';
import { readBundleSources } from '../../../policy-engine/bundle/bundle-files.ts';
import type { BundleSources } from '../../../policy-engine/bundle/policy-bundle.ts';

/** The shipped policies folder. */
export const SHIPPED_POLICIES_DIR = resolve(import.meta.dirname, '../../../policies');

/** The shipped bundle's files, for tests to vary. */
export function shippedSources(): BundleSources {
  return readBundleSources({ policiesDir: SHIPPED_POLICIES_DIR });
}

/** The sources with one more (or a replaced) policy file. */
export function withPolicyFile(sources: BundleSources, name: string, text: string): BundleSources {
  const others = sources.policies.filter((f) => f.name !== name);
  return { ...sources, policies: [...others, { path: `policies/${name}`, name, text }] };
}

/** The sources with another catalogue (written as YAML, as an operator would). */
export function withCatalogue(sources: BundleSources, catalogue: TargetCatalogue): BundleSources {
  return {
    ...sources,
    targets: { path: 'policies/targets.yaml', name: 'targets.yaml', text: stringify(catalogue) },
  };
}

/** The sources with another tenants file. */
export function withTenants(sources: BundleSources, text: string): BundleSources {
  return { ...sources, tenants: { path: 'policies/tenants.yaml', name: 'tenants.yaml', text } };
}
