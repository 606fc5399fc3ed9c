import { compileBundle, type PolicyBundle } from './policy-bundle.ts';
import { type BundleLocation, readBundleSources } from './read-bundle-sources.ts';

export { type BundleLocation, readBundleSources } from './read-bundle-sources.ts';

/** Reads and compiles the bundle: what the composition root calls once at start-up. */
export function loadPolicyBundle(location: BundleLocation): PolicyBundle {
  return compileBundle(readBundleSources(location));
}
