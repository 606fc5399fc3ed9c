import { createHash } from 'node:crypto';
import type { EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { TargetCatalogue } from '../../core/model/target.ts';
import { bundleHash } from './bundle-hash.ts';
import type { CompiledPolicies, CompiledPolicy } from './policy-compiler.ts';
import { PolicySlices } from './policy-slices.ts';
import type { SchemaModel } from './schema-model.ts';
import type { SourceFile } from './source-file.ts';
import type { TargetsPart } from './targets-part.ts';

/** The files of a bundle, as read (bundle-files.ts) or made up by a test. */
export interface BundleSources {
  schema: SourceFile;
  policies: readonly SourceFile[];
  targets: SourceFile;
  tenants?: SourceFile;
}

/** A validated policy bundle, parsed into cedar-wasm once: what the engine and the authorizer decide by. */
export interface PolicyBundle {
  /** sha256 of the canonical bundle (bundle-hash.ts); every placement decision records it. */
  hash: string;
  schema: SchemaModel;
  policies: readonly CompiledPolicy[];
  catalogue: TargetCatalogue;
  /** Cedar `Target` entities by target id, with every declared attribute. */
  targets: ReadonlyMap<string, EntityJson>;
  /** Cedar `Tenant` entities of the tenants listed in tenants.yaml. */
  tenants: ReadonlyMap<string, EntityJson>;
  slices: PolicySlices;
  /** Things worth a look that do not stop the bundle (validator warnings, names of unknown targets). */
  warnings: string[];
  files: { schema: string; policies: string[]; targets: string; tenants?: string };
  /** parseMs: the policy sets parsed while loading (all of them, unless they are parsed on first use). */
  timings: { compileMs: number; parseMs: number };
}

/** What validating a bundle's files yields (all but the cedar-wasm parse), and the digest of those files. */
export interface ValidatedBundle {
  digest: string;
  schema: SchemaModel;
  compiled: CompiledPolicies;
  targets: TargetsPart;
  tenants: Map<string, EntityJson>;
}

/**
 * The bundle in force from its files and what validating them yielded (policy-bundle.ts validates; a
 * Lambda function trusts what its build validated, validated-bundle.ts): parses the policies into
 * cedar-wasm — now, or, for a bundle its build validated, each policy set on first use (policy-slices.ts).
 * Apart from the validation so that a start with a validated bundle loads no YAML parser.
 */
export function assembleBundle(
  sources: BundleSources,
  parts: ValidatedBundle,
  options: { started?: number; parse?: 'now' | 'onFirstUse' } = {},
): PolicyBundle {
  const { started = performance.now(), parse = 'now' } = options;
  const { compiled, targets } = parts;
  const slices = new PolicySlices(compiled.policies, { parse });
  return {
    hash: bundleHash(sources),
    schema: parts.schema,
    policies: compiled.policies,
    catalogue: targets.catalogue,
    targets: targets.entities,
    tenants: parts.tenants,
    slices,
    warnings: [...compiled.warnings, ...unknownTargets(compiled.policies, targets.catalogue)],
    files: {
      schema: sources.schema.path,
      policies: sources.policies.map((f) => f.path),
      targets: sources.targets.path,
      ...(sources.tenants ? { tenants: sources.tenants.path } : {}),
    },
    timings: { compileMs: performance.now() - started, parseMs: slices.parseMs },
  };
}

/** The digest of the files a validated bundle was made from (paths and text). */
export function bundleDigest(sources: BundleSources): string {
  const files = [
    sources.schema,
    ...sources.policies,
    sources.targets,
    ...(sources.tenants ? [sources.tenants] : []),
  ];
  return digestOf(files);
}

export function digestOf(files: readonly SourceFile[]): string {
  const key = createHash('sha256');
  for (const file of files) key.update(`${file.path}\0${file.text}\0`);
  return key.digest('hex');
}

function unknownTargets(policies: readonly CompiledPolicy[], catalogue: TargetCatalogue): string[] {
  const known = new Set(catalogue.targets.map((t) => t.id));
  return policies.flatMap((p) =>
    p.entityRefs
      .filter((ref) => ref.type === 'Target' && !known.has(ref.id))
      .map(
        (ref) => `${p.file}:${p.line}: ${p.id} names Target::"${ref.id}", which targets.yaml does not list`,
      ),
  );
}
