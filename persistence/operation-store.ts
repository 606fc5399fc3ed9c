import { Entity } from 'dynamodb-toolbox/entity';
import { AccessPattern } from 'dynamodb-toolbox/entity/actions/accessPattern';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import type { Condition } from 'dynamodb-toolbox/entity/actions/parseCondition';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { number } from 'dynamodb-toolbox/schema/number';
import { string } from 'dynamodb-toolbox/schema/string';
import { BrokerError } from '../core/errors.ts';
import { isFinished, type Operation } from '../core/model/operation.ts';
import type { OperationOutbox } from '../core/ports/events.ts';
import type {
  OperationFeed,
  OperationFilter,
  OperationRepository,
  Page,
  PageRequest,
} from '../core/ports/repositories.ts';
import type { BrokerTable } from './broker-table.ts';
import { type CursorCodec, cursorInvalid, listScope } from './cursor.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

const UNFINISHED = 'OPS#UNFINISHED';
/** Finished operations whose events the relay has not yet copied to their tenant's event log. */
const OUTBOX = 'OPS#OUTBOX';

function createOperationEntity(table: BrokerTable) {
  return new Entity({
    name: 'Operation',
    table,
    timestamps: false,
    schema: item({
      tenant: string().key(),
      id: string().key(),
      version: number(),
      status: string(),
      // Copies for the tenant's filtered list (GET /v1/operations); absent on items written before it.
      kind: string().optional(),
      resourceId: string().optional(),
      createdAt: string().optional(),
      // The whole operation document; top-level copies above are what conditions and indexes use.
      doc: any(),
      // Present only while unfinished: a sparse index of work to resume after a crash (I5).
      gsi1pk: string().optional(),
      gsi1sk: string().optional(),
    }),
    computeKey: ({ tenant, id }: { tenant: string; id: string }) => ({
      pk: `TENANT#${tenant}`,
      sk: `OP#${id}`,
    }),
  });
}

type OperationEntity = ReturnType<typeof createOperationEntity>;

/** Operations, written with optimistic concurrency on `version`. */
export class OperationStore implements OperationRepository, OperationFeed, OperationOutbox {
  readonly #entity: OperationEntity;
  readonly #unfinished;
  readonly #outbox;
  readonly #byTenant;
  readonly #cursors: CursorCodec | undefined;

  /** `cursors` signs the feed's cursors; without it the store cannot list (workers need no list). */
  constructor(table: BrokerTable, cursors?: CursorCodec) {
    this.#entity = createOperationEntity(table);
    this.#cursors = cursors;
    this.#byTenant = this.#entity
      .build(AccessPattern)
      .schema(string())
      .pattern((tenant: string) => ({ partition: `TENANT#${tenant}`, range: { beginsWith: 'OP#' } }))
      .meta({ title: 'Operations of a tenant', description: 'newest first (ids are ULIDs)' });
    this.#unfinished = this.#entity
      .build(AccessPattern)
      .pattern(() => ({ index: 'gsi1', partition: UNFINISHED }))
      .meta({ title: 'Unfinished operations', description: 'oldest first, across tenants' });
    this.#outbox = this.#entity
      .build(AccessPattern)
      .pattern(() => ({ index: 'gsi1', partition: OUTBOX }))
      .meta({ title: 'Operations with undelivered events', description: 'oldest first, across tenants' });
  }

  async create(op: Operation): Promise<void> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item(toItem(op))
        .options({ condition: { attr: 'id', exists: false } })
        .send();
    } catch (error) {
      if (isConditionFailure(error))
        throw new BrokerError('operation.alreadyExists', `operation ${op.id} exists`);
      throw storeError(error);
    }
  }

  async get(tenant: string, id: string): Promise<Operation | undefined> {
    try {
      const { Item } = await this.#entity
        .build(GetItemCommand)
        .key({ tenant, id })
        .options({ consistent: true })
        .send();
      return Item?.doc as Operation | undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  async save(op: Operation): Promise<Operation> {
    const next = { ...op, version: op.version + 1 };
    try {
      await this.#entity
        .build(PutItemCommand)
        .item(toItem(next))
        .options({ condition: { attr: 'version', eq: op.version } })
        .send();
      return next;
    } catch (error) {
      if (isConditionFailure(error))
        throw new BrokerError(
          'operation.versionConflict',
          `operation ${op.id} changed since version ${op.version}`,
        );
      throw storeError(error);
    }
  }

  async listUnfinished(limit: number): Promise<Operation[]> {
    try {
      const { Items = [] } = await this.#unfinished.query({}).options({ limit, maxPages: 1 }).send();
      return Items.map((found) => found.doc as Operation);
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Finished operations still carrying outbox events, oldest first (eventually consistent). */
  async listWithOutbox(limit: number): Promise<Operation[]> {
    try {
      const { Items = [] } = await this.#outbox.query({}).options({ limit, maxPages: 1 }).send();
      return Items.map((found) => found.doc as Operation);
    } catch (error) {
      throw storeError(error);
    }
  }

  /** Drops the outbox once its events are in the log; false if the operation changed meanwhile. */
  async clearOutbox(tenant: string, id: string): Promise<boolean> {
    const current = await this.get(tenant, id);
    if (!current?.outbox) return true;
    const { outbox: _copied, ...rest } = current;
    try {
      await this.save(rest);
      return true;
    } catch (error) {
      if (error instanceof BrokerError && error.code === 'operation.versionConflict') return false;
      throw error;
    }
  }

  async list(tenant: string, filter: OperationFilter, page: PageRequest): Promise<Page<Operation>> {
    if (!this.#cursors) throw new Error('OperationStore.list needs a cursor codec');
    const scope = listScope('OP', tenant, filter);
    let startKey: Record<string, string> | undefined =
      page.cursor === undefined ? undefined : this.#cursors.decode(page.cursor, scope);
    if (startKey && startKey.pk !== `TENANT#${tenant}`) throw cursorInvalid();
    const conditions = feedConditions(filter);
    const items: Operation[] = [];
    try {
      do {
        const { Items = [], LastEvaluatedKey } = await this.#byTenant
          .query(tenant)
          .options({
            reverse: true,
            limit: Math.max(page.limit, 25),
            maxPages: 1,
            ...(startKey ? { exclusiveStartKey: startKey } : {}),
            ...(conditions.length > 0 ? { filters: { Operation: { and: conditions } } } : {}),
          })
          .send();
        for (const [index, found] of Items.entries()) {
          items.push((found as { doc: Operation }).doc);
          if (items.length < page.limit) continue;
          if (index === Items.length - 1 && LastEvaluatedKey === undefined) return { items };
          const last = items.at(-1)!;
          const key = { pk: `TENANT#${tenant}`, sk: `OP#${last.id}` };
          return { items, nextCursor: this.#cursors.encode(key, scope) };
        }
        startKey = LastEvaluatedKey as Record<string, string> | undefined;
      } while (startKey);
    } catch (error) {
      throw storeError(error);
    }
    return { items };
  }
}

function feedConditions(filter: OperationFilter): Condition<OperationEntity>[] {
  const conditions: Condition<OperationEntity>[] = [];
  if (filter.status !== undefined) conditions.push({ attr: 'status', eq: filter.status });
  if (filter.kind !== undefined) conditions.push({ attr: 'kind', eq: filter.kind });
  if (filter.resourceId !== undefined) conditions.push({ attr: 'resourceId', eq: filter.resourceId });
  if (filter.since !== undefined) conditions.push({ attr: 'createdAt', gte: filter.since });
  if (filter.until !== undefined) conditions.push({ attr: 'createdAt', lte: filter.until });
  return conditions;
}

function toItem(op: Operation) {
  // JSON round trip drops undefined fields, which DynamoDB's marshaller would otherwise refuse in maps.
  const doc = JSON.parse(JSON.stringify(op)) as Operation;
  return {
    tenant: op.tenant,
    id: op.id,
    version: op.version,
    status: op.status,
    kind: op.kind,
    resourceId: op.resource.id,
    createdAt: op.createdAt,
    doc,
    ...(isFinished(op)
      ? op.outbox?.length
        ? { gsi1pk: OUTBOX, gsi1sk: `${op.updatedAt}#${op.id}` }
        : {}
      : { gsi1pk: UNFINISHED, gsi1sk: `${op.createdAt}#${op.id}` }),
  };
}
