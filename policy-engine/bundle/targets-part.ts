import { checkParseEntities, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { parseCatalogue } from '../../core/catalogue/catalogue.ts';
import { BrokerError } from '../../core/errors.ts';
import type { Target, TargetCatalogue } from '../../core/model/target.ts';
import { type BundleProblems, describeCedarError } from './bundle-problems.ts';
import { toCedarRecord } from './cedar-values.ts';
import type { SchemaModel } from './schema-model.ts';
import type { SourceFile } from './source-file.ts';
import { parseYaml, type YamlSource } from './yaml-source.ts';

export interface TargetsPart {
  catalogue: TargetCatalogue;
  /** One Cedar `Target` entity per target, with every declared attribute, by target id. */
  entities: Map<string, EntityJson>;
}

/** The target fields policies see besides `attributes`. */
const OWN_FIELDS = ['cloud', 'region', 'site'] as const;

/** targets.yaml: the catalogue (core's own checks) and each target as a Cedar entity the schema accepts. */
export function loadTargets(
  file: SourceFile,
  schema: SchemaModel | undefined,
  problems: BundleProblems,
): TargetsPart | undefined {
  const yaml = parseYaml(file, problems);
  if (!yaml) return undefined;
  const catalogue = catalogueOf(file, yaml, problems);
  if (!catalogue || !schema) return undefined;
  const declared = schema.entityTypes.get('Target')?.attributes ?? {};
  const entities = new Map<string, EntityJson>();
  catalogue.targets.forEach((target, i) => {
    const clash = OWN_FIELDS.filter((field) => field in target.attributes);
    if (clash.length > 0) {
      problems.add(file, `target ${target.id}: attributes must not repeat ${clash.join(', ')}`, {
        line: yaml.lineOf(['targets', i, 'attributes']),
      });
      return;
    }
    try {
      const attrs = toCedarRecord(policyView(target), declared, schema);
      entities.set(target.id, { uid: { type: 'Target', id: target.id }, attrs, parents: [] });
    } catch (error) {
      const name = (error as Error).message.split(' ')[0]!;
      const path = name in target.attributes ? ['targets', i, 'attributes', name] : ['targets', i];
      problems.add(file, `target ${target.id}: attribute ${(error as Error).message}`, {
        line: yaml.lineOf(path),
      });
    }
  });
  if (entities.size !== catalogue.targets.length) return undefined;
  const checked = checkParseEntities({ entities: [...entities.values()], schema: schema.file.text });
  if (checked.type === 'failure') {
    for (const error of checked.errors) {
      const id = /Target::"([^"]+)"/.exec(error.message)?.[1];
      const i = catalogue.targets.findIndex((t) => t.id === id);
      problems.add(file, describeCedarError(error), {
        line: yaml.lineOf(i === -1 ? ['targets'] : ['targets', i]),
      });
    }
    return undefined;
  }
  return { catalogue, entities };
}

/** What policies see of a target: its own placement fields and its attributes. */
function policyView(target: Target): Record<string, unknown> {
  return { cloud: target.cloud, region: target.region, site: target.site, ...target.attributes };
}

function catalogueOf(
  file: SourceFile,
  yaml: YamlSource,
  problems: BundleProblems,
): TargetCatalogue | undefined {
  try {
    return parseCatalogue(yaml.value, file.path);
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    const listed = Array.isArray(error.details?.problems)
      ? (error.details.problems as string[])
      : [error.message];
    for (const problem of listed) {
      const path = problem
        .split(':')[0]!
        .split('.')
        .map((key) => (/^\d+$/.test(key) ? Number(key) : key));
      problems.add(file, problem, { line: yaml.lineOf(path) });
    }
    return undefined;
  }
}
