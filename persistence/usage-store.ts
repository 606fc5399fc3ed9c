import { Entity } from 'dynamodb-toolbox/entity';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { string } from 'dynamodb-toolbox/schema/string';
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query';
import type { UsageRepository } from '../core/ports/usage.ts';
import { METERED_KINDS, type MeteredKind, type UsageRecord } from '../core/usage/usage-record.ts';
import type { BrokerTable } from './broker-table.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

/** Every tenant's records of one kind on the index, in time order (all-tenant reports, bucket sampling). */
const allTenants = (kind: MeteredKind) => `USAGE-ALL#${kind}`;

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
 * (strongly consistent); the all-tenant report and bucket sampling read the index (`USAGE-ALL#<kind>`,
 * sorted by time; eventually consistent on DynamoDB).
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
          gsi1pk: allTenants(record.kind),
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
    if (tenant === undefined)
      return (await Promise.all(METERED_KINDS.map((kind) => this.listKindBefore(kind, before)))).flat();
    try {
      const { Items = [] } = await this.#table
        .build(QueryCommand)
        .entities(this.#entity)
        .query({ partition: `USAGE#${tenant}` })
        .options({ consistent: true, maxPages: Infinity })
        .send();
      return Items.map((found) => found.record as UsageRecord).filter((r) => r.at < before);
    } catch (error) {
      throw storeError(error);
    }
  }

  async listKindBefore(kind: MeteredKind, before: string): Promise<UsageRecord[]> {
    try {
      const { Items = [] } = await this.#table
        .build(QueryCommand)
        .entities(this.#entity)
        .query({ index: 'gsi1', partition: allTenants(kind), range: { lt: before } })
        .options({ maxPages: Infinity })
        .send();
      return Items.map((found) => found.record as UsageRecord);
    } catch (error) {
      throw storeError(error);
    }
  }
}
