import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarType, SchemaModel } from './schema-model.ts';

/** Extension types and the constructor Cedar's JSON form names them by. */
const EXTENSION_CONSTRUCTORS: Record<string, string> = {
  ipaddr: 'ip',
  decimal: 'decimal',
  datetime: 'datetime',
  duration: 'duration',
};

/**
 * Converts a plain data value (from YAML) to Cedar's JSON value form, guided by its declared type. The
 * result is explicit (`__entity`, `__extn`), so it means the same with or without the schema at hand —
 * requests are evaluated without it (it was applied once, at load), see policy-slices.ts.
 * Throws an Error saying what is wrong, for the caller to place in its file.
 */
export function toCedarValue(value: unknown, type: CedarType, schema: SchemaModel): CedarValueJson {
  const common = schema.commonTypes[type.type];
  if (common) return toCedarValue(value, common, schema);
  switch (type.type) {
    case 'String':
      if (typeof value !== 'string') throw mismatch('a string', value);
      return value;
    case 'Long':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch('a whole number', value);
      return value;
    case 'Bool':
    case 'Boolean':
      if (typeof value !== 'boolean') throw mismatch('true or false', value);
      return value;
    case 'Set':
      if (!Array.isArray(value)) throw mismatch('a list', value);
      return value.map((item) => toCedarValue(item, type.element!, schema));
    case 'Record':
      return toCedarRecord(value, type.attributes ?? {}, schema);
    case 'Entity':
      return toEntityRef(value, type.name!, schema);
    default: {
      const fn = EXTENSION_CONSTRUCTORS[type.type];
      if (!fn) throw new Error(`has type ${type.type}, which the broker cannot fill from data`);
      if (typeof value !== 'string') throw mismatch(`a ${type.type} written as a string`, value);
      return { __extn: { fn, arg: value } };
    }
  }
}

/** A record's attributes, each converted; undeclared attributes and missing required ones are errors. */
export function toCedarRecord(
  value: unknown,
  declared: Record<string, CedarType>,
  schema: SchemaModel,
): Record<string, CedarValueJson> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw mismatch('a map', value);
  const out: Record<string, CedarValueJson> = {};
  for (const [name, item] of Object.entries(value)) {
    const type = declared[name];
    if (!type)
      throw new Error(
        `${name} is not declared in the schema (declared: ${Object.keys(declared).join(', ')})`,
      );
    try {
      out[name] = toCedarValue(item, type, schema);
    } catch (error) {
      throw new Error(`${name} ${(error as Error).message}`);
    }
  }
  const missing = Object.entries(declared).filter(([name, t]) => t.required !== false && !(name in out));
  if (missing.length > 0) throw new Error(`missing required ${missing.map(([name]) => name).join(', ')}`);
  return out;
}

function toEntityRef(value: unknown, entityType: string, schema: SchemaModel): CedarValueJson {
  if (typeof value !== 'string') throw mismatch(`the id of a ${entityType}`, value);
  const allowed = schema.entityTypes.get(entityType)?.enumValues;
  if (allowed && !allowed.includes(value))
    throw new Error(`must be one of ${allowed.join(', ')}, not ${value}`);
  return { __entity: { type: entityType, id: value } };
}

function mismatch(expected: string, value: unknown): Error {
  return new Error(`must be ${expected}, not ${JSON.stringify(value)}`);
}
