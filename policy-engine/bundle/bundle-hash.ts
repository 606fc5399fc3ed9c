import { createHash } from 'node:crypto';
import type { SourceFile } from './source-file.ts';

export interface HashedParts {
  schema: SourceFile;
  policies: readonly SourceFile[];
  targets: SourceFile;
  tenants?: SourceFile;
}

/**
 * sha256 over the canonical bundle: a version line, then each part as `<role> <name> <bytes>\n<text>\n` in
 * a fixed order — schema; policies sorted by their path in the bundle; targets; tenants. Line endings
 * are normalised, so a checkout on any OS yields the hash CI computed. Texts are hashed as written
 * (comments included): the hash identifies the reviewed files, not just their meaning. Policy tests are
 * not part of it: they judge the bundle, they are not in force.
 */
export function bundleHash(parts: HashedParts): string {
  const hash = createHash('sha256').update('hcb-policy-bundle/1\n');
  const add = (role: string, name: string, text: string) => {
    const normalised = text.replace(/\r\n/g, '\n');
    hash
      .update(`${role} ${name} ${Buffer.byteLength(normalised, 'utf8')}\n`)
      .update(normalised)
      .update('\n');
  };
  add('schema', 'schema', parts.schema.text);
  for (const file of [...parts.policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
    add('policy', file.name, file.text);
  add('targets', 'targets', parts.targets.text);
  if (parts.tenants) add('tenants', 'tenants', parts.tenants.text);
  return hash.digest('hex');
}
