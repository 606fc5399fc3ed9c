import { createHash } from 'node:crypto';
import { checkParseContext, checkParseEntities, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { BrokerError } from '../../core/errors.ts';
import type { TargetCatalogue } from '../../core/model/target.ts';
import { placementContext, principalEntity } from '../request-entities.ts';
import { bundleHash } from './bundle-hash.ts';
import { BundleProblems, describeCedarError } from './bundle-problems.ts';
import { checkFlowShapes } from './flow-shapes.ts';
import { type CompiledPolicies, type CompiledPolicy, compilePolicies } from './policy-compiler.ts';
import { PolicySlices } from './policy-slices.ts';
import { loadSchema, type SchemaModel } from './schema-model.ts';
import type { SourceFile } from './source-file.ts';
import { loadTargets, type TargetsPart } from './targets-part.ts';
import { loadTenants } from './tenants-part.ts';

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
  timings: { compileMs: number; parseMs: number };
}

/**
 * Validates a whole bundle — schema, policies (strictly, against the schema), targets and tenants (as
 * entities the schema accepts), and the request shapes the broker builds — then parses the policies
 * into cedar-wasm. Throws `policy.bundleInvalid` listing every problem with its file and line; a broker
 * given an invalid bundle does not start.
 */
export function compileBundle(sources: BundleSources): PolicyBundle {
  const started = performance.now();
  const parts = validatedBundles.get(bundleDigest(sources)) ?? validateBundle(sources);
  const { compiled, targets } = parts;
  const slices = new PolicySlices(compiled.policies);
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

/** What validating a bundle's files yields (all but the cedar-wasm parse), and the digest of those files. */
export interface ValidatedBundle {
  digest: string;
  schema: SchemaModel;
  compiled: CompiledPolicies;
  targets: TargetsPart;
  tenants: Map<string, EntityJson>;
}

/** Validates every file of the bundle (see compileBundle); throws `policy.bundleInvalid` on any problem. */
export function validateBundle(sources: BundleSources): ValidatedBundle {
  const problems = new BundleProblems();
  if (sources.policies.length === 0)
    problems.add(sources.schema.path, 'no .cedar policy files next to the schema');
  const { schema, compiled } = compileRules(sources, problems);
  const targets = loadTargets(sources.targets, schema, problems);
  const tenants = loadTenants(sources.tenants, schema, problems);
  problems.throwIfAny();
  if (!schema || !targets || !tenants)
    throw new BrokerError('policy.bundleInvalid', 'the policy bundle is invalid');
  return { digest: bundleDigest(sources), schema, compiled, targets, tenants };
}

/** Bundles validated when the Lambda bundle was built (validated-bundle.ts), by the digest of their files. */
const validatedBundles = new Map<string, ValidatedBundle>();

/**
 * Trusts a bundle validated at build time in place of validating it again — but only for files whose
 * paths and text are exactly those it was made from: any other bundle is validated as usual.
 */
export function trustValidatedBundle(validated: ValidatedBundle): void {
  validatedBundles.set(validated.digest, validated);
}

function bundleDigest(sources: BundleSources): string {
  const files = [
    sources.schema,
    ...sources.policies,
    sources.targets,
    ...(sources.tenants ? [sources.tenants] : []),
  ];
  return digestOf(files);
}

function digestOf(files: readonly SourceFile[]): string {
  const key = createHash('sha256');
  for (const file of files) key.update(`${file.path}\0${file.text}\0`);
  return key.digest('hex');
}

/** Valid schema + policies already compiled in this process, by content: tests compile many bundles. */
const compiledRules = new Map<string, { schema: SchemaModel; compiled: CompiledPolicies }>();

function compileRules(
  sources: BundleSources,
  problems: BundleProblems,
): { schema?: SchemaModel; compiled: CompiledPolicies } {
  const digest = digestOf([sources.schema, ...sources.policies]);
  const cached = compiledRules.get(digest);
  if (cached) return cached;
  const before = problems.count;
  const schema = loadSchema(sources.schema, problems);
  const compiled = compilePolicies([...sources.policies], schema, problems);
  if (schema) {
    checkRequestShapes(schema, problems);
    checkFlowShapes(schema, problems);
  }
  if (!schema) return { compiled };
  if (problems.count === before) compiledRules.set(digest, { schema, compiled });
  return { schema, compiled };
}

/**
 * The broker builds principals, placement contexts and API resources in code; the schema declares them.
 * Checked once here so that a schema edit the code does not follow refuses to start instead of making
 * every request fail (closed, but failing).
 */
function checkRequestShapes(schema: SchemaModel, problems: BundleProblems): void {
  const full = placementContext({
    principal: { sub: 'check', tenant: 'check', roles: ['app'] },
    kind: 'vm',
    classification: 'phi',
    size: 'small',
    image: 'ubuntu-24.04',
    region: 'check',
    tags: { key: 'value' },
  });
  const context = checkParseContext({
    context: full,
    schema: schema.file.text,
    action: { type: 'Action', id: 'place' },
  });
  if (context.type === 'failure')
    for (const error of context.errors)
      problems.add(
        schema.file,
        `the placement context the broker sends does not fit: ${describeCedarError(error)}`,
      );
  const samples: EntityJson[] = [
    principalEntity({ sub: 'check-app', tenant: 'check', roles: ['app'] }),
    principalEntity({ sub: 'check-user', tenant: 'check', roles: ['admin', 'auditor'] }),
    ...[...schema.apiResources.values()].map((type) => ({
      uid: { type, id: '*' },
      attrs: { tenant: { __entity: { type: 'Tenant', id: 'check' } } },
      parents: [],
    })),
  ];
  const entities = checkParseEntities({ entities: samples, schema: schema.file.text });
  if (entities.type === 'failure')
    for (const error of entities.errors)
      problems.add(schema.file, `an entity the broker sends does not fit: ${describeCedarError(error)}`);
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
