import { checkParseSchema, schemaToJsonWithResolvedTypes } from '@cedar-policy/cedar-wasm/nodejs';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import { ROLES } from '../../core/model/principal.ts';
import { CLOUDS, RESOURCE_KINDS, SITES } from '../../core/model/target.ts';
import { ARTEFACT_KINDS, LINK_DIRECTIONS, LINK_PROTOCOLS } from '../flow-entities.ts';
import type { BundleProblems } from './bundle-problems.ts';
import { ENGINE_ACTION_RESOURCES, ENGINE_ACTIONS, type EngineAction } from './engine-actions.ts';
import type { SourceFile } from './source-file.ts';

/** A type as `schemaToJsonWithResolvedTypes` spells it: `String`, `Entity`, `Set`, `Record`, a common type… */
export interface CedarType {
  type: string;
  name?: string;
  element?: CedarType;
  attributes?: Record<string, CedarType>;
  required?: boolean;
}

export interface EntityTypeInfo {
  enumValues?: string[];
  memberOfTypes: string[];
  attributes: Record<string, CedarType>;
  annotations: Record<string, string>;
}

export interface ActionInfo {
  /** Every action group it is in, transitively. */
  ancestors: string[];
  principalTypes: string[];
  resourceTypes: string[];
}

/** What the broker needs to know about the schema, read once from Cedar's own JSON form of it. */
export interface SchemaModel {
  file: SourceFile;
  entityTypes: Map<string, EntityTypeInfo>;
  commonTypes: Record<string, CedarType>;
  actions: Map<string, ActionInfo>;
  /** The resource type API routes name (`vm`) → its entity type (`Vm`), from `@apiResource`. */
  apiResources: Map<string, string>;
}

/** Closed vocabularies the code and the schema must agree on, or a policy could test a value never sent. */
const VOCABULARIES: Record<string, readonly string[]> = {
  Classification: CLASSIFICATIONS,
  Site: SITES,
  Cloud: CLOUDS,
  ResourceKind: RESOURCE_KINDS,
  Role: ROLES,
  ArtefactKind: ARTEFACT_KINDS,
  Protocol: LINK_PROTOCOLS,
  Direction: LINK_DIRECTIONS,
};

/** Why the broker needs each engine action: said when the schema lacks one. */
const ASKED_FOR: Record<EngineAction, string> = {
  place: 'placement asks it once per candidate target',
  attach: 'the broker asks it before attaching a volume to a VM',
  copy: 'the broker asks it before copying an image or snapshot to another target',
  link: 'the broker asks it before creating a link',
  expose: 'the broker asks it before giving a VM a public address',
};

interface ResolvedNamespace {
  commonTypes?: Record<string, CedarType>;
  entityTypes: Record<
    string,
    { enum?: string[]; memberOfTypes?: string[]; shape?: CedarType; annotations?: Record<string, string> }
  >;
  actions: Record<
    string,
    { memberOf?: { id: string }[]; appliesTo?: { principalTypes?: string[]; resourceTypes?: string[] } }
  >;
}

/** Parses and checks the schema; undefined (with problems recorded) when it cannot be used. */
export function loadSchema(file: SourceFile, problems: BundleProblems): SchemaModel | undefined {
  const parsed = checkParseSchema(file.text);
  if (parsed.type === 'failure') {
    for (const error of parsed.errors) problems.addCedar(file, error);
    return undefined;
  }
  const answer = schemaToJsonWithResolvedTypes(file.text);
  if (answer.type === 'failure') {
    for (const error of answer.errors) problems.addCedar(file, error);
    return undefined;
  }
  const namespaces = answer.json as unknown as Record<string, ResolvedNamespace>;
  const names = Object.keys(namespaces);
  const root = namespaces[''];
  if (!root || names.length !== 1) {
    problems.add(
      file,
      `declare everything outside any namespace (found namespaces: ${names.join(', ') || 'none'})`,
    );
    return undefined;
  }
  const model = toModel(file, root);
  checkModel(model, problems);
  return model;
}

function toModel(file: SourceFile, ns: ResolvedNamespace): SchemaModel {
  const entityTypes = new Map<string, EntityTypeInfo>();
  const apiResources = new Map<string, string>();
  for (const [name, declared] of Object.entries(ns.entityTypes)) {
    const annotations = declared.annotations ?? {};
    entityTypes.set(name, {
      ...(declared.enum ? { enumValues: declared.enum } : {}),
      memberOfTypes: declared.memberOfTypes ?? [],
      attributes: declared.shape?.attributes ?? {},
      annotations,
    });
    if (annotations.apiResource) apiResources.set(annotations.apiResource, name);
  }
  const parentsOf = (action: string) => (ns.actions[action]?.memberOf ?? []).map((m) => m.id);
  const actions = new Map<string, ActionInfo>();
  for (const [name, declared] of Object.entries(ns.actions)) {
    const ancestors = new Set<string>();
    const queue = parentsOf(name);
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (ancestors.has(next)) continue;
      ancestors.add(next);
      queue.push(...parentsOf(next));
    }
    actions.set(name, {
      ancestors: [...ancestors],
      principalTypes: declared.appliesTo?.principalTypes ?? [],
      resourceTypes: declared.appliesTo?.resourceTypes ?? [],
    });
  }
  return { file, entityTypes, commonTypes: ns.commonTypes ?? {}, actions, apiResources };
}

/**
 * The shape the engine relies on. Tenants and roles must have no parents: a policy scoped to
 * `principal in Tenant::"x"` can then apply only to tenant x's principals, which is what lets the engine
 * evaluate each tenant against the general policies plus its own only (policy-slices.ts).
 */
function checkModel(model: SchemaModel, problems: BundleProblems): void {
  const { file, entityTypes, actions } = model;
  const at = (name: string) => {
    const index = file.text.search(new RegExp(`^entity\\s[^;{]*\\b${name}\\b`, 'm'));
    return index === -1 ? undefined : { index };
  };
  for (const [name, expected] of Object.entries(VOCABULARIES)) {
    const declared = entityTypes.get(name)?.enumValues;
    if (!declared)
      problems.add(file, `${name} must be an enumerated entity type: ${name} enum [...]`, at(name));
    else if ([...declared].sort().join() !== [...expected].sort().join())
      problems.add(
        file,
        `${name} must list exactly ${expected.join(', ')} (the broker's own values)`,
        at(name),
      );
  }
  for (const name of ['Tenant', 'App', 'User', 'Target'])
    if (!entityTypes.has(name)) problems.add(file, `entity type ${name} is required`);
  if ((entityTypes.get('Tenant')?.memberOfTypes.length ?? 0) > 0)
    problems.add(
      file,
      'Tenant must not be a member of anything (policies are sliced by tenant)',
      at('Tenant'),
    );
  for (const name of ['App', 'User']) {
    const extra = (entityTypes.get(name)?.memberOfTypes ?? []).filter((t) => t !== 'Role' && t !== 'Tenant');
    if (extra.length > 0)
      problems.add(
        file,
        `${name} may be a member of Role and Tenant only, not ${extra.join(', ')}`,
        at(name),
      );
  }
  for (const action of ENGINE_ACTIONS) {
    const declared = actions.get(action);
    const missing = ENGINE_ACTION_RESOURCES[action].filter((t) => !declared?.resourceTypes.includes(t));
    if (!declared) problems.add(file, `action ${action} is required (${ASKED_FOR[action]})`);
    else if (missing.length > 0)
      problems.add(file, `action ${action} must apply to resource ${missing.join(', ')}`);
  }
  for (const [type, entity] of model.apiResources)
    if (!entity || !('tenant' in (entityTypes.get(entity)?.attributes ?? {})))
      problems.add(file, `@apiResource("${type}") entity ${entity} needs a tenant attribute`, at(entity));
}
