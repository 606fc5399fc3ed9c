import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Entity } from 'dynamodb-toolbox/entity';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import type { Condition } from 'dynamodb-toolbox/entity/actions/parseCondition';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { $remove, $set, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update';
import { BrokerError } from '../core/errors.ts';
import type { Page, PageRequest } from '../core/ports/repositories.ts';
import { type CursorCodec, cursorInvalid, listScope } from './cursor.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';
import { accessPatterns, DELETED, liveIndexKeys, strip } from './tenant-resource-keys.ts';

/** What every tenant-scoped resource has (VMs, volumes, snapshots, buckets, links). */
export interface TenantResource {
  id: string;
  tenant: string;
  status: string;
  activeOperationId?: string;
}

/** A filter condition in dynamodb-toolbox's syntax, on one of the entity's attributes. */
export type FilterCondition = Condition;

export interface ResourceStoreOptions {
  /** The entity's name as toolbox knows it (for query filters). */
  entityName: string;
  /** The sort-key prefix of this kind under the tenant partition (`VM`, `VOL`, …). */
  prefix: string;
  /** Noun for error messages and codes (`vm`, `volume`, …). */
  noun: string;
  /** Signs and checks list cursors. */
  cursors: CursorCodec;
}

/**
 * The shared mechanics of tenant-scoped resources in the single table: `TENANT#<t>` / `<PREFIX>#<id>`
 * items, a GSI entry to find one by id alone, filtered pages with cursors, and patches that can claim or
 * release the resource for an operation (`activeOperationId`) with a condition instead of a transaction.
 */
export class TenantResourceStore<T extends TenantResource, P extends object> {
  readonly #entity: Entity;
  readonly #o: ResourceStoreOptions;
  readonly #byTenant: ReturnType<typeof accessPatterns>['byTenant'];
  readonly #byId: ReturnType<typeof accessPatterns>['byId'];
  readonly #liveByTenant: ReturnType<typeof accessPatterns>['liveByTenant'];

  constructor(entity: Entity, options: ResourceStoreOptions) {
    this.#entity = entity;
    this.#o = options;
    ({
      byTenant: this.#byTenant,
      byId: this.#byId,
      liveByTenant: this.#liveByTenant,
    } = accessPatterns(entity, options));
  }

  async create(resource: T): Promise<void> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item({
          ...(resource as TenantResource & Record<string, unknown>),
          gsi1pk: `${this.#o.prefix}ID#${resource.id}`,
          gsi1sk: `TENANT#${resource.tenant}`,
          ...(resource.status === DELETED ? {} : this.#liveKeys(resource.tenant, resource.id)),
        })
        .options({ condition: { attr: 'id', exists: false } })
        .send();
    } catch (error) {
      if (isConditionFailure(error))
        throw new BrokerError(`${this.#o.noun}.alreadyExists`, `${this.#o.noun} ${resource.id} exists`, {
          cause: error,
        });
      throw storeError(error);
    }
  }

  async get(tenant: string, id: string): Promise<T | undefined> {
    try {
      const { Item } = await this.#entity
        .build(GetItemCommand)
        .key({ tenant, id })
        .options({ consistent: true })
        .send();
      return Item ? strip<T>(Item) : undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  async findById(id: string): Promise<T | undefined> {
    try {
      const { Items = [] } = await this.#byId.options({ limit: 1, maxPages: 1 }).query(id).send();
      return Items[0] ? strip<T>(Items[0]) : undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * One page of the tenant's resources matching every condition (DynamoDB filters apply after its limit,
   * so read on until full). `filter` is what the conditions were made from: the cursor is bound to it, to
   * the tenant and to this kind of resource. Unless the filter asks for deleted resources
   * (`includeDeleted`, or status `deleted`), the page is read from the live index: a tenant that deleted
   * 50,000 VMs lists its 20 live ones without reading past the tombstones.
   */
  async listMatching(
    tenant: string,
    conditions: FilterCondition[],
    filter: object,
    page: PageRequest,
  ): Promise<Page<T>> {
    const { cursors } = this.#o;
    const { includeDeleted, status } = filter as { includeDeleted?: boolean; status?: string };
    const live = !includeDeleted && status !== DELETED;
    const cursorScope = listScope(this.#o.prefix, tenant, filter);
    let startKey: Record<string, unknown> | undefined =
      page.cursor === undefined ? undefined : cursors.decode(page.cursor, cursorScope);
    // The signature proves we issued it for this scope; this also proves the key is in this partition.
    if (startKey && startKey.pk !== `TENANT#${tenant}`) throw cursorInvalid();
    if (startKey && live && startKey.gsi2pk !== this.#liveKeys(tenant, '').gsi2pk) throw cursorInvalid();
    const pattern = live ? this.#liveByTenant : this.#byTenant;
    const items: T[] = [];
    try {
      do {
        const { Items = [], LastEvaluatedKey } = await pattern
          .options({
            limit: Math.max(page.limit, 25),
            ...(startKey ? { exclusiveStartKey: startKey } : {}),
            ...(conditions.length > 0 ? { filters: { [this.#o.entityName]: { and: conditions } } } : {}),
          })
          .query(tenant)
          .send();
        for (const [index, found] of Items.entries()) {
          items.push(strip<T>(found));
          if (items.length < page.limit) continue;
          const more = index < Items.length - 1 || LastEvaluatedKey !== undefined;
          if (!more) return { items };
          const last = items.at(-1)!;
          const key = { pk: `TENANT#${tenant}`, sk: `${this.#o.prefix}#${last.id}` };
          return {
            items,
            nextCursor: cursors.encode(
              live ? { ...key, ...this.#liveKeys(tenant, last.id) } : key,
              cursorScope,
            ),
          };
        }
        startKey = LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw storeError(error);
    }
    return { items };
  }

  /** The live index's keys for a resource: one partition per tenant and kind, in id order. */
  #liveKeys(tenant: string, id: string): { gsi2pk: string; gsi2sk: string } {
    return liveIndexKeys(this.#o.prefix, tenant, id);
  }

  /**
   * Every live (not `deleted`) resource of this kind across tenants, read `pageSize` items of the table at
   * a time: the reconciler's one read of the broker's side per pass (a scan, instead of a get per cloud
   * resource). Eventually consistent; callers re-read with `get` before acting on what they found.
   *
   * A plain DocumentClient scan rather than toolbox's: toolbox parses every item against the schema, which
   * doubled the cost of a 10,000-item pass (bench/reconcile-pass.ts). The items are toolbox's own writes,
   * with no renamed attributes, so the stored shape is the domain object plus the keys stripped here.
   */
  async *scanLive(pageSize = 1000): AsyncIterable<T> {
    const table = this.#entity.table;
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const { Items = [], LastEvaluatedKey } = await table.getDocumentClient().send(
          new ScanCommand({
            TableName: table.getName(),
            Limit: pageSize,
            FilterExpression: 'begins_with(#sk, :kind) AND #status <> :deleted',
            ExpressionAttributeNames: { '#sk': 'sk', '#status': 'status' },
            ExpressionAttributeValues: { ':kind': `${this.#o.prefix}#`, ':deleted': 'deleted' },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const found of Items) {
          const { pk: _pk, sk: _sk, _et: _type, ...resource } = found;
          yield strip<T>(resource);
        }
        startKey = LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Applies a patch (`undefined` leaves a field, `null` removes it). With `expectActiveOperation`, only if
   * the resource's active operation is that id (or none, for `null`); otherwise `<noun>.busy`.
   */
  async update(
    tenant: string,
    id: string,
    patch: P,
    options: { expectActiveOperation?: string | null } = {},
  ): Promise<T> {
    const changes: Record<string, unknown> = { updatedAt: new Date().toISOString() };
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      // Whole-value semantics: toolbox would otherwise update an object field path by path, which fails
      // when the field does not exist yet (and would merge stale keys when it does).
      changes[field] = value === null ? $remove() : typeof value === 'object' ? $set(value) : value;
    }
    // Deleted resources leave the live index; a resource never comes back from `deleted`.
    if ((patch as { status?: unknown }).status === DELETED) {
      changes.gsi2pk = $remove();
      changes.gsi2sk = $remove();
    }
    const exists = { attr: 'id', exists: true };
    const expected = options.expectActiveOperation;
    const condition: Condition =
      expected === undefined
        ? exists
        : {
            and: [
              exists,
              expected === null
                ? { attr: 'activeOperationId', exists: false }
                : { attr: 'activeOperationId', eq: expected },
            ],
          };
    try {
      const { Attributes } = await this.#entity
        .build(UpdateItemCommand)
        .item({ tenant, id, ...changes })
        .options({ condition, returnValues: 'ALL_NEW' })
        .send();
      return strip<T>(Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw storeError(error);
      const current = await this.get(tenant, id);
      if (!current)
        throw new BrokerError(`${this.#o.noun}.notFound`, `no ${this.#o.noun} with id ${id}`, {
          cause: error,
        });
      throw new BrokerError(
        `${this.#o.noun}.busy`,
        `${this.#o.noun} ${id} is busy with operation ${current.activeOperationId}`,
        {
          cause: error,
          details: { operationId: current.activeOperationId },
        },
      );
    }
  }
}
