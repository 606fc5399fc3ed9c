import { Entity } from 'dynamodb-toolbox/entity';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { string } from 'dynamodb-toolbox/schema/string';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import type { UsageRepository } from '../core/ports/usage.ts';
import type { UsageRecord } from '../core/usage/usage-record.ts';
import type { BrokerTable } from './broker-table.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

/** Every tenant's records on the sparse index, in time order (operators' all-tenant reports). */
const ALL_TENANTS = 'USAGE-ALL';

function createUsageEntity(table: BrokerTable) {
  return new Entity({
    name: 'UsageRecord',
    table,
    timestamps: false,
    schema: item({
      tenant: string().key(),
      id: string().key(),
      at: string(),
      record: any(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ tenant, id }: { tenant: string; id: string }) => ({ pk: `USAGE#${tenant}`, sk: id }),
  });
}

/**
 * Usage records: `USAGE#<tenant>` / `<record id>`, put only if absent, so the id (operation + transition)
 * makes a retried write a no-op on dynalite and DynamoDB alike. A tenant's report reads its partition
 * (strongly consistent); the all-tenant report reads the index (`USAGE-ALL`, sorted by time).
 */
export class UsageStore implements UsageRepository {
  readonly #table: BrokerTable;
  readonly #entity: ReturnType<typeof createUsageEntity>;

  constructor(table: BrokerTable) {
    this.#table = table;
    this.#entity = createUsageEntity(table);
  }

  async append(record: UsageRecord): Promise<boolean> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item({
          tenant: record.tenant,
          id: record.id,
          at: record.at,
          // JSON round trip drops undefined fields, which the marshaller would refuse in maps.
          record: JSON.parse(JSON.stringify(record)),
          gsi1pk: ALL_TENANTS,
          gsi1sk: `${record.at}#${record.tenant}#${record.id}`,
        })
        .options({ condition: { attr: 'id', exists: false } })
        .send();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error);
    }
  }

  async listBefore(tenant: string | undefined, before: string): Promise<UsageRecord[]> {
    try {
      const query = this.#table.build(QueryCommand).entities(this.#entity);
      const { Items = [] } =
        tenant === undefined
          ? await query
              .query({ index: 'gsi1', partition: ALL_TENANTS, range: { lt: before } })
              .options({ maxPages: Infinity })
              .send()
          : await query
              .query({ partition: `USAGE#${tenant}` })
              .options({ consistent: true, maxPages: Infinity })
              .send();
      return Items.map((found) => found.record as UsageRecord).filter((r) => r.at < before);
    } catch (error) {
      throw storeError(error);
    }
  }
}
