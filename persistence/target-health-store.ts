import { Entity } from 'dynamodb-toolbox/entity';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { number } from 'dynamodb-toolbox/schema/number';
import { string } from 'dynamodb-toolbox/schema/string';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import type { TargetHealthRecord, TargetHealthStore } from '../core/ports/target-health-store.ts';
import type { BrokerTable } from './broker-table.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

const PARTITION = 'TARGET-HEALTH';

function createTargetHealthEntity(table: BrokerTable) {
  return new Entity({
    name: 'TargetHealth',
    table,
    timestamps: false,
    schema: item({
      targetId: string().key(),
      version: number(),
      record: any(),
      // Epoch seconds: DynamoDB's TTL removes records nobody needs any more (readers check expiry too).
      expiration: number(),
    }),
    computeKey: ({ targetId }: { targetId: string }) => ({ pk: PARTITION, sk: targetId }),
  });
}

/**
 * Target health shared by every process of a deployment: one small item per target (`TARGET-HEALTH` /
 * `<targetId>`), written with a version condition, read as one query of a single partition.
 */
export class TargetHealthDynamoStore implements TargetHealthStore {
  readonly #table: BrokerTable;
  readonly #entity: ReturnType<typeof createTargetHealthEntity>;

  constructor(table: BrokerTable) {
    this.#table = table;
    this.#entity = createTargetHealthEntity(table);
  }

  async list(): Promise<TargetHealthRecord[]> {
    try {
      const { Items = [] } = await this.#table
        .build(QueryCommand)
        .entities(this.#entity)
        .query({ partition: PARTITION })
        .options({ limit: 200, maxPages: 5 })
        .send();
      return Items.map((found) => ({ ...(found.record as TargetHealthRecord), version: found.version }));
    } catch (error) {
      throw storeError(error);
    }
  }

  async get(targetId: string): Promise<TargetHealthRecord | undefined> {
    try {
      const { Item } = await this.#entity
        .build(GetItemCommand)
        .key({ targetId })
        .options({ consistent: true })
        .send();
      return Item && { ...(Item.record as TargetHealthRecord), version: Item.version };
    } catch (error) {
      throw storeError(error);
    }
  }

  async put(record: TargetHealthRecord): Promise<boolean> {
    const condition =
      record.version === 0
        ? { attr: 'version' as const, exists: false }
        : { attr: 'version' as const, eq: record.version };
    try {
      await this.#entity
        .build(PutItemCommand)
        .item({
          targetId: record.targetId,
          version: record.version + 1,
          record: JSON.parse(JSON.stringify({ ...record, version: record.version + 1 })),
          expiration: Math.ceil(record.expiresAt / 1000),
        })
        .options({ condition })
        .send();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error);
    }
  }
}
