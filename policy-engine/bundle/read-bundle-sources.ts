/**
 * Reading a bundle's files from disk, apart from compiling them (bundle-files.ts): the Lambda functions
 * read them at start without the validation path, which comes with a YAML parser
 * (runtime/aws/lambda-broker.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BrokerError } from '../../core/errors.ts';
import type { BundleSources } from './policy-bundle.ts';
import type { SourceFile } from './source-file.ts';

export interface BundleLocation {
  /** The policies folder: schema.cedarschema, *.cedar (any depth, except tests/), tenants.yaml. */
  policiesDir: string;
  /** targets.yaml; default `<policiesDir>/targets.yaml`. */
  targetsFile?: string;
  /** The folder paths in messages are relative to: the working directory unless said (a build's output). */
  shownFrom?: string;
}

export const SCHEMA_FILE = 'schema.cedarschema';
export const TENANTS_FILE = 'tenants.yaml';
/** Policy tests live here; they are not part of the bundle in force. */
export const TESTS_DIR = 'tests';

/** Reads the bundle's files from disk. */
export function readBundleSources(location: BundleLocation): BundleSources {
  const dir = resolve(location.policiesDir);
  const from = location.shownFrom ?? process.cwd();
  const shown = (path: string) => shownPath(path, from);
  const read = (path: string, name: string): SourceFile => ({
    path: shown(path),
    name,
    text: readFileSync(path, 'utf8'),
  });
  const schemaPath = join(dir, SCHEMA_FILE);
  if (!existsSync(schemaPath))
    throw new BrokerError('policy.bundleMissing', `${shown(schemaPath)}: no Cedar schema found`);
  const targetsPath = resolve(location.targetsFile ?? join(dir, 'targets.yaml'));
  if (!existsSync(targetsPath))
    throw new BrokerError('policy.bundleMissing', `${shown(targetsPath)}: no targets file found`);
  const tenantsPath = join(dir, TENANTS_FILE);
  return {
    schema: read(schemaPath, SCHEMA_FILE),
    policies: cedarFiles(dir).map((path) => read(path, relative(dir, path).split(sep).join('/'))),
    targets: read(targetsPath, 'targets.yaml'),
    ...(existsSync(tenantsPath) ? { tenants: read(tenantsPath, TENANTS_FILE) } : {}),
  };
}

function cedarFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.cedar'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => relative(dir, path).split(sep)[0] !== TESTS_DIR)
    .sort();
}

/** Paths in messages: relative to the working directory when inside it (clickable in a terminal). */
function shownPath(path: string, from: string): string {
  const rel = relative(from, path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
