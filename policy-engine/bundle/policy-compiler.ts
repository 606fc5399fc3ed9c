import {
  checkParsePolicySet,
  type PolicyJson,
  policySetTextToParts,
  policyToJson,
  validate,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { BundleProblems } from './bundle-problems.ts';
import {
  ACTION_FAMILIES,
  type ActionFamily,
  ENGINE_ACTIONS,
  type EngineAction,
  isEngineAction,
} from './engine-actions.ts';
import { splitPolicies } from './policy-splitter.ts';
import type { SchemaModel } from './schema-model.ts';
import { byteOffsetOf, positionAt, type SourceFile } from './source-file.ts';

/** One shipped policy, known by its `@id`. */
export interface CompiledPolicy {
  id: string;
  effect: 'permit' | 'forbid';
  /** The policy's own text, annotations included, exactly as in its file. */
  text: string;
  file: string;
  line: number;
  /** `@reason`: what a denied candidate shows. */
  reason?: string;
  /** Whether it can apply to each engine action (`place`, the flows) and to any API action (its action scope). */
  appliesTo: AppliesTo;
  /** The tenant its principal scope names (`principal in Tenant::"x"`): it can apply to no other tenant. */
  tenant?: string;
  /** Every attribute name the policy reads or tests (`.name`, `has name`), wherever. */
  attributeNames: Set<string>;
  /** Whether it uses `context` as a whole value (not only `context.x`), so no context key may be dropped. */
  readsWholeContext: boolean;
  /** Entities it names literally (`Target::"x"`, `Tenant::"y"`), for cross-checks against the data files. */
  entityRefs: { type: string; id: string }[];
  /** Cedar's JSON form of the policy (fused-placement.ts rewrites it per target). */
  json: PolicyJson;
}

export type AppliesTo = Record<ActionFamily, boolean>;

export interface CompiledPolicies {
  policies: CompiledPolicy[];
  warnings: string[];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const RESERVED_PREFIX = 'builtin.';
const TEMPLATES_UNSUPPORTED =
  'policy templates are not supported: name the tenant in a policy, or use tenants.yaml';

interface Located {
  file: SourceFile;
  start: number;
  policy: CompiledPolicy;
}

/**
 * Parses every `.cedar` file, names each policy by its `@id` and validates them all against the schema.
 * Problems name the file and line; nothing is returned as usable until all files are clean.
 */
export function compilePolicies(
  files: SourceFile[],
  schema: SchemaModel | undefined,
  problems: BundleProblems,
): CompiledPolicies {
  const located: Located[] = [];
  const seen = new Map<string, Located>();
  for (const file of files) {
    for (const item of parseFile(file, schema, problems)) {
      const earlier = seen.get(item.policy.id);
      if (earlier) {
        const first = `${earlier.file.path}:${earlier.policy.line}`;
        problems.add(file, `duplicate @id("${item.policy.id}"), first used at ${first}`, {
          index: item.start,
        });
        continue;
      }
      seen.set(item.policy.id, item);
      located.push(item);
    }
  }
  const warnings = schema && located.length > 0 ? validateAgainstSchema(located, schema, problems) : [];
  return { policies: located.map((l) => l.policy), warnings };
}

function parseFile(file: SourceFile, schema: SchemaModel | undefined, problems: BundleProblems): Located[] {
  const parsed = checkParsePolicySet({ staticPolicies: file.text });
  if (parsed.type === 'failure') {
    for (const error of parsed.errors) {
      if (error.message.includes('includes a template'))
        problems.add(file, TEMPLATES_UNSUPPORTED, {
          index: Math.max(0, file.text.search(/\?(principal|resource)\b/)),
        });
      else problems.addCedar(file, error);
    }
    return [];
  }
  const parts = policySetTextToParts(file.text);
  const spans = splitPolicies(file.text);
  if (parts.type === 'failure' || parts.policy_templates.length > 0) {
    problems.add(file, TEMPLATES_UNSUPPORTED);
    return [];
  }
  // Cedar's own split must agree with ours, text for text, or offsets and ids could be misattributed.
  if (
    [...parts.policies].sort().join('\0') !==
    spans
      .map((span) => span.text)
      .sort()
      .join('\0')
  ) {
    problems.add(
      file,
      `could not split this file the way Cedar does (${spans.length} vs ${parts.policies.length} policies); please report it`,
    );
    return [];
  }
  const engineGroups = new Map(
    ENGINE_ACTIONS.map((a) => [a, new Set(schema?.actions.get(a)?.ancestors ?? [])] as const),
  );
  const out: Located[] = [];
  for (const span of spans) {
    const json = policyToJson(span.text);
    if (json.type === 'failure') {
      for (const error of json.errors) problems.addCedar(file, error, byteOffsetOf(file.text, span.start));
      continue;
    }
    const at = { index: span.start };
    const annotations = json.json.annotations ?? {};
    const id = annotations.id;
    if (id === undefined) problems.add(file, 'every policy needs an @id("...") annotation', at);
    else if (!ID.test(id)) problems.add(file, `@id("${id}"): letters, digits and . _ : - only`, at);
    else if (id.startsWith(RESERVED_PREFIX))
      problems.add(file, `@id("${id}"): ids starting ${RESERVED_PREFIX} are reserved`, at);
    if (id === undefined || !ID.test(id) || id.startsWith(RESERVED_PREFIX)) continue;
    const policy: CompiledPolicy = {
      id,
      effect: json.json.effect,
      text: span.text,
      file: file.path,
      line: positionAt(file.text, span.start).line,
      ...(annotations.reason === undefined ? {} : { reason: annotations.reason }),
      appliesTo: actionScope(json.json, engineGroups),
      ...tenantScope(json.json),
      attributeNames: attributeNames(json.json.conditions),
      readsWholeContext: readsWholeContext(json.json.conditions),
      entityRefs: entityRefs(json.json),
      json: json.json,
    };
    if (id.startsWith('exception.') && (policy.effect !== 'permit' || policy.tenant === undefined))
      problems.add(
        file,
        `@id("${id}"): an exception must be a permit scoped to one tenant (principal in Tenant::"…")`,
        at,
      );
    out.push({ file, start: span.start, policy });
  }
  return out;
}

/** Strict validation of all policies at once, each under its @id; offsets map back through its span. */
function validateAgainstSchema(located: Located[], schema: SchemaModel, problems: BundleProblems): string[] {
  const byId = new Map(located.map((l) => [l.policy.id, l]));
  const answer = validate({
    schema: schema.file.text,
    policies: { staticPolicies: Object.fromEntries(located.map((l) => [l.policy.id, l.policy.text])) },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type === 'failure') {
    for (const error of answer.errors) problems.add(schema.file, error.message);
    return [];
  }
  for (const { policyId, error } of answer.validationErrors) {
    const l = byId.get(policyId);
    if (l) problems.addCedar(l.file, error, byteOffsetOf(l.file.text, l.start));
    else problems.add(schema.file, error.message);
  }
  const warnings = answer.validationWarnings.map(({ policyId, error }) => {
    const l = byId.get(policyId);
    return `${l ? `${l.file.path}:${l.policy.line}` : policyId}: ${error.message}`;
  });
  return [...warnings, ...answer.otherWarnings.map((w) => w.message)];
}

function actionScope(
  policy: PolicyJson,
  engineGroups: ReadonlyMap<EngineAction, ReadonlySet<string>>,
): CompiledPolicy['appliesTo'] {
  const scope = policy.action;
  if (scope.op === 'All') return Object.fromEntries(ACTION_FAMILIES.map((f) => [f, true])) as AppliesTo;
  const listed =
    scope.op === '=='
      ? ['entity' in scope ? scope.entity : undefined]
      : 'entity' in scope
        ? [scope.entity]
        : scope.entities;
  const ids = listed.map((uid) => (uid === undefined ? '' : '__entity' in uid ? uid.__entity.id : uid.id));
  const engine = (action: EngineAction) =>
    ids.some((id) => id === action || (scope.op === 'in' && engineGroups.get(action)?.has(id) === true));
  const appliesTo = Object.fromEntries(ENGINE_ACTIONS.map((a) => [a, engine(a)])) as AppliesTo;
  // Anything but an engine action by name may be (or contain) an API action: over-approximate, the safe way.
  return { ...appliesTo, api: ids.some((id) => !isEngineAction(id)) };
}

function tenantScope(policy: PolicyJson): { tenant?: string } {
  const scope = policy.principal;
  const constraint = scope.op === 'in' ? scope : scope.op === 'is' ? scope.in : undefined;
  if (!constraint || !('entity' in constraint)) return {};
  const uid = '__entity' in constraint.entity ? constraint.entity.__entity : constraint.entity;
  return uid.type === 'Tenant' ? { tenant: uid.id } : {};
}

/** Attribute names anywhere in the conditions: an over-approximation, which is the safe direction. */
function attributeNames(node: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) attributeNames(item, names);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if ((key === '.' || key === 'has') && typeof value === 'object' && value !== null && 'attr' in value) {
        const attr = (value as { attr: string | string[] }).attr;
        for (const name of Array.isArray(attr) ? attr : [attr]) names.add(name);
      }
      attributeNames(value, names);
    }
  }
  return names;
}

/** True when `{"Var":"context"}` occurs other than as the left side of `.` or `has`. */
function readsWholeContext(node: unknown, parentKey = ''): boolean {
  if (Array.isArray(node)) return node.some((item) => readsWholeContext(item, parentKey));
  if (typeof node !== 'object' || node === null) return false;
  const record = node as Record<string, unknown>;
  if (record.Var === 'context') return parentKey !== 'access';
  return Object.entries(record).some(([key, value]) => {
    if ((key === '.' || key === 'has') && typeof value === 'object' && value !== null && 'left' in value) {
      const { left, ...rest } = value as { left: unknown };
      return readsWholeContext(left, 'access') || readsWholeContext(rest, key);
    }
    return readsWholeContext(value, key);
  });
}

function entityRefs(
  node: unknown,
  refs: { type: string; id: string }[] = [],
): { type: string; id: string }[] {
  if (Array.isArray(node)) for (const item of node) entityRefs(item, refs);
  else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (typeof record.type === 'string' && typeof record.id === 'string' && Object.keys(record).length === 2)
      refs.push({ type: record.type, id: record.id });
    else for (const value of Object.values(record)) entityRefs(value, refs);
  }
  return refs;
}
