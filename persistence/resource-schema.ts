import { map } from 'dynamodb-toolbox/schema/map';
import { string } from 'dynamodb-toolbox/schema/string';
import type { FilterCondition } from './tenant-resource-store.ts';

/**
 * Attribute blocks every tenant-scoped entity shares (spread into each entity's item schema), its key, and
 * the list filters most of them offer. Fields specific to a kind stay in that kind's store.
 */
export const tenantResourceKeys = () => ({ tenant: string().key(), id: string().key() });

/** Where the resource is: the placement map every placed resource carries. */
export const placementSchema = () =>
  map({ targetId: string(), cloud: string(), region: string(), site: string() });

/** Status and the PHI-free reason when it is `error`. */
export const statusAttributes = () => ({ status: string(), fault: string().optional() });

/** The operation that last touched the resource, and the one holding it now (the claim). */
export const operationAttributes = () => ({ operationId: string(), activeOperationId: string().optional() });

/** Timestamps and the index entries (TenantResourceStore writes gsi1pk/gsi1sk and gsi2pk/gsi2sk). */
export const recordAttributes = () => ({
  createdAt: string(),
  updatedAt: string(),
  gsi1pk: string().optional(),
  gsi1sk: string().optional(),
  // The live index's entry, removed when the resource is deleted (TenantResourceStore).
  gsi2pk: string().optional(),
  gsi2sk: string().optional(),
});

/** `TENANT#<tenant>` / `<PREFIX>#<id>`: a tenant's resources of one kind sort together under its partition. */
export const tenantKey =
  (prefix: string) =>
  ({ tenant, id }: { tenant: string; id: string }) => ({ pk: `TENANT#${tenant}`, sk: `${prefix}#${id}` });

export interface CommonFilter {
  status?: string;
  classification?: string;
  targetId?: string;
  includeDeleted?: boolean;
}

/** Status (deleted ones hidden unless asked for), classification and target: what most lists filter on. */
export function commonFilters(filter: CommonFilter): FilterCondition[] {
  const conditions: FilterCondition[] = [];
  if (filter.status !== undefined) conditions.push({ attr: 'status', eq: filter.status });
  else if (!filter.includeDeleted) conditions.push({ attr: 'status', ne: 'deleted' });
  if (filter.classification !== undefined)
    conditions.push({ attr: 'classification', eq: filter.classification });
  if (filter.targetId !== undefined) conditions.push({ attr: 'placement.targetId', eq: filter.targetId });
  return conditions;
}
