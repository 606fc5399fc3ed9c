import { checkParseEntities, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { type BundleProblems, describeCedarError } from './bundle-problems.ts';
import { toCedarRecord } from './cedar-values.ts';
import type { SchemaModel } from './schema-model.ts';
import type { SourceFile } from './source-file.ts';
import { parseYaml } from './yaml-source.ts';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * tenants.yaml: `tenants: { <tenant id>: { <Tenant attribute>: value, … } }`, each tenant a Cedar `Tenant`
 * entity the schema accepts. Tenants not listed have no attributes (and need no entity at all).
 */
export function loadTenants(
  file: SourceFile | undefined,
  schema: SchemaModel | undefined,
  problems: BundleProblems,
): Map<string, EntityJson> | undefined {
  const tenants = new Map<string, EntityJson>();
  if (!file) return tenants;
  const yaml = parseYaml(file, problems);
  if (!yaml || !schema) return undefined;
  const root = yaml.value ?? {};
  const listed = typeof root === 'object' && root !== null && 'tenants' in root ? root.tenants : undefined;
  if (typeof listed !== 'object' || listed === null || Array.isArray(listed)) {
    problems.add(file, 'expected a map `tenants: { <tenant id>: { <attribute>: value } }`', { line: 1 });
    return undefined;
  }
  const declared = schema.entityTypes.get('Tenant')?.attributes ?? {};
  const before = problems.count;
  for (const [id, attributes] of Object.entries(listed)) {
    const line = yaml.lineOf(['tenants', id]);
    if (!TENANT_ID.test(id))
      problems.add(file, `tenant id ${id}: lowercase letters, digits and dashes`, { line });
    try {
      const attrs = toCedarRecord(attributes ?? {}, declared, schema);
      tenants.set(id, { uid: { type: 'Tenant', id }, attrs, parents: [] });
    } catch (error) {
      problems.add(file, `tenant ${id}: attribute ${(error as Error).message}`, { line });
    }
  }
  if (problems.count > before) return undefined;
  const checked = checkParseEntities({ entities: [...tenants.values()], schema: schema.file.text });
  if (checked.type === 'failure') {
    for (const error of checked.errors) problems.add(file, describeCedarError(error));
    return undefined;
  }
  return tenants;
}
