import { checkParseContext, checkParseEntities, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { BrokerError } from '../../core/errors.ts';
import { placementContext, principalEntity } from '../request-entities.ts';
import {
  assembleBundle,
  type BundleSources,
  bundleDigest,
  digestOf,
  type PolicyBundle,
  type ValidatedBundle,
} from './assembled-bundle.ts';
import { BundleProblems, describeCedarError } from './bundle-problems.ts';
import { checkFlowShapes } from './flow-shapes.ts';
import { type CompiledPolicies, compilePolicies } from './policy-compiler.ts';
import { loadSchema, type SchemaModel } from './schema-model.ts';
import { loadTargets } from './targets-part.ts';
import { loadTenants } from './tenants-part.ts';

export type { BundleSources, PolicyBundle, ValidatedBundle } from './assembled-bundle.ts';

/**
 * Validates a whole bundle — schema, policies (strictly, against the schema), targets and tenants (as
 * entities the schema accepts), and the request shapes the broker builds — then parses the policies
 * into cedar-wasm. Throws `policy.bundleInvalid` listing every problem with its file and line; a broker
 * given an invalid bundle does not start.
 */
export function compileBundle(sources: BundleSources): PolicyBundle {
  const started = performance.now();
  return assembleBundle(sources, validatedBundles.get(bundleDigest(sources)) ?? validateBundle(sources), {
    started,
  });
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
