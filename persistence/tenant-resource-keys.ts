import type { Entity } from 'dynamodb-toolbox/entity';
import { AccessPattern } from 'dynamodb-toolbox/entity/actions/accessPattern';
import { string } from 'dynamodb-toolbox/schema/string';

/**
 * Where a tenant-scoped resource sits in the broker table and its two indexes, and how each is read:
 * `TENANT#<t>` / `<PREFIX>#<id>` in the table, `<PREFIX>ID#<id>` in the by-id index, and
 * `LIVE#<PREFIX>#<t>` / `<id>` in the live index while the resource is not deleted.
 */

/** The one status that takes a resource out of the live index (and out of lists that do not ask for it). */
export const DELETED = 'deleted';

/** Drops index bookkeeping so callers see exactly the domain object. */
export function strip<T>(stored: object): T {
  const {
    gsi1pk: _pk,
    gsi1sk: _sk,
    gsi2pk: _livePk,
    gsi2sk: _liveSk,
    ...rest
  } = stored as Record<string, unknown>;
  return rest as T;
}

/** `LIVE#<PREFIX>#<tenant>` / `<id>`: where a resource that is not deleted sits in the live index. */
export function liveIndexKeys(prefix: string, tenant: string, id: string) {
  return { gsi2pk: `LIVE#${prefix}#${tenant}`, gsi2sk: id };
}

/**
 * The ways to find resources: a tenant's, in id order (all, or only the live ones through the sparse
 * second index), and one by id alone (the first index).
 */
export function accessPatterns(entity: Entity, options: { prefix: string; noun: string }) {
  return {
    byTenant: entity
      .build(AccessPattern)
      .schema(string())
      .pattern((tenant: string) => ({
        partition: `TENANT#${tenant}`,
        range: { beginsWith: `${options.prefix}#` },
      }))
      .meta({ title: `${options.noun}s of a tenant`, description: 'oldest first (ids are ULIDs)' }),
    byId: entity
      .build(AccessPattern)
      .schema(string())
      .pattern((id: string) => ({ index: 'gsi1', partition: `${options.prefix}ID#${id}` }))
      .meta({ title: `${options.noun} by id`, description: 'any tenant; eventually consistent' }),
    liveByTenant: entity
      .build(AccessPattern)
      .schema(string())
      .pattern((tenant: string) => ({
        index: 'gsi2',
        partition: liveIndexKeys(options.prefix, tenant, '').gsi2pk,
      }))
      .meta({
        title: `live ${options.noun}s of a tenant`,
        description: 'not deleted, oldest first; eventually consistent',
      }),
  };
}
