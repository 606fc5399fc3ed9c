import { Entity } from 'dynamodb-toolbox/entity';
import { AccessPattern } from 'dynamodb-toolbox/entity/actions/accessPattern';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { number } from 'dynamodb-toolbox/schema/number';
import { string } from 'dynamodb-toolbox/schema/string';
import { BrokerError } from '../core/errors.ts';
import { isFinished, type Operation } from '../core/model/operation.ts';
import type { OperationRepository } from '../core/ports/repositories.ts';
import type { BrokerTable } from './broker-table.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

const UNFINISHED = 'OPS#UNFINISHED';

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
export class OperationStore implements OperationRepository {
  readonly #entity: OperationEntity;
  readonly #unfinished;

  constructor(table: BrokerTable) {
    this.#entity = createOperationEntity(table);
    this.#unfinished = this.#entity
      .build(AccessPattern)
      .pattern(() => ({ index: 'gsi1', partition: UNFINISHED }))
      .meta({ title: 'Unfinished operations', description: 'oldest first, across tenants' });
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
}

function toItem(op: Operation) {
  // JSON round trip drops undefined fields, which DynamoDB's marshaller would otherwise refuse in maps.
  const doc = JSON.parse(JSON.stringify(op)) as Operation;
  return {
    tenant: op.tenant,
    id: op.id,
    version: op.version,
    status: op.status,
    doc,
    ...(isFinished(op) ? {} : { gsi1pk: UNFINISHED, gsi1sk: `${op.createdAt}#${op.id}` }),
  };
}
