/**
 * `node bin/prevalidate-policies.ts <function dir>`: validates the policy files a Lambda bundle carries
 * (`<dir>/policies`) as the broker would at start, and writes the result beside them
 * (policy-engine/bundle/validated-bundle.ts), with the quota defaults and rate card (runtime/validated-config.ts),
 * so the function's cold start need not validate them again nor load a YAML parser.
 * Paths are as the function names them (relative to its directory, its working directory on Lambda).
 * An invalid bundle fails the build, with the same problems the broker would refuse to start with.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readBundleSources } from '../policy-engine/bundle/bundle-files.ts';
import { validateBundle } from '../policy-engine/bundle/policy-bundle.ts';
import {
  parseValidatedBundle,
  serializeValidatedBundle,
  VALIDATED_BUNDLE_FILE,
} from '../policy-engine/bundle/validated-bundle.ts';
import { writeValidatedConfig } from '../runtime/validated-config.ts';

const [dir] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node bin/prevalidate-policies.ts <function dir>\n');
  process.exit(2);
}
const functionDir = resolve(dir);
const policiesDir = join(functionDir, 'policies');
const validated = validateBundle(readBundleSources({ policiesDir, shownFrom: functionDir }));
const text = serializeValidatedBundle(validated);
// What the function will read back must be exactly what was validated.
if (!isDeepStrictEqual(parseValidatedBundle(text), validated))
  throw new Error('the validated bundle does not survive their JSON form');
writeFileSync(join(policiesDir, VALIDATED_BUNDLE_FILE), text);
// The quota defaults and rate card beside them, validated against this bundle's catalogue.
await writeValidatedConfig(
  { policiesDir, quotasFile: join(policiesDir, 'quotas.yaml') },
  validated.targets.catalogue,
);
