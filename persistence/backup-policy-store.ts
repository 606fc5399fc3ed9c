import { Entity } from 'dynamodb-toolbox/entity';
import { AccessPattern } from 'dynamodb-toolbox/entity/actions/accessPattern';
import { DeleteItemCommand } from 'dynamodb-toolbox/entity/actions/delete';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { number } from 'dynamodb-toolbox/schema/number';
import { string } from 'dynamodb-toolbox/schema/string';
import { BrokerError } from '../core/errors.ts';
import type { BackupPolicy } from '../core/model/backup-policy.ts';
import type { BackupPolicyRepository } from '../core/ports/backup-policies.ts';
import type { Page, PageRequest } from '../core/ports/repositories.ts';
import type { BrokerTable } from './broker-table.ts';
import { type CursorCodec, cursorInvalid, listScope } from './cursor.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

/** The scheduler's work list across tenants (every policy is scheduled). */
const ALL = 'BACKUPS#ALL';

function createBackupPolicyEntity(table: BrokerTable) {
  return new Entity({
    name: 'BackupPolicy',
    table,
    timestamps: false,
    schema: item({
      tenant: string().key(),
      id: string().key(),
      version: number(),
      doc: any(),
      gsi1pk: string(),
      gsi1sk: string(),
    }),
    computeKey: ({ tenant, id }: { tenant: string; id: string }) => ({
      pk: `TENANT#${tenant}`,
      sk: `BACKUP#${id}`,
    }),
  });
}

/** Backup policies under their tenant's partition, written with optimistic concurrency on `version`. */
export class BackupPolicyStore implements BackupPolicyRepository {
  readonly #entity;
  readonly #byTenant;
  readonly #all;
  readonly #cursors: CursorCodec;

  constructor(table: BrokerTable, cursors: CursorCodec) {
    this.#cursors = cursors;
    this.#entity = createBackupPolicyEntity(table);
    this.#byTenant = this.#entity
      .build(AccessPattern)
      .schema(string())
      .pattern((tenant: string) => ({ partition: `TENANT#${tenant}`, range: { beginsWith: 'BACKUP#' } }))
      .meta({ title: "A tenant's backup policies", description: 'oldest first' });
    this.#all = this.#entity
      .build(AccessPattern)
      .pattern(() => ({ index: 'gsi1', partition: ALL }))
      .meta({ title: 'Every backup policy', description: 'across tenants, for the scheduler' });
  }

  async create(policy: BackupPolicy): Promise<void> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item(toItem(policy))
        .options({ condition: { attr: 'id', exists: false } })
        .send();
    } catch (error) {
      if (isConditionFailure(error))
        throw new BrokerError('backupPolicy.alreadyExists', 'backup policy exists');
      throw storeError(error);
    }
  }

  async get(tenant: string, id: string): Promise<BackupPolicy | undefined> {
    try {
      const { Item } = await this.#entity
        .build(GetItemCommand)
        .key({ tenant, id })
        .options({ consistent: true })
        .send();
      return Item?.doc as BackupPolicy | undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  async listForTenant(tenant: string, page: PageRequest): Promise<Page<BackupPolicy>> {
    const scope = listScope('BACKUP', tenant, {});
    const start = page.cursor === undefined ? undefined : this.#cursors.decode(page.cursor, scope);
    if (start && start.pk !== `TENANT#${tenant}`) throw cursorInvalid();
    try {
      const { Items = [], LastEvaluatedKey } = await this.#byTenant
        .query(tenant)
        .options({ limit: page.limit, maxPages: 1, ...(start ? { exclusiveStartKey: start } : {}) })
        .send();
      const items = Items.map((found) => found.doc as BackupPolicy);
      const last = items.at(-1);
      if (!LastEvaluatedKey || !last) return { items };
      const key = { pk: `TENANT#${tenant}`, sk: `BACKUP#${last.id}` };
      return { items, nextCursor: this.#cursors.encode(key, scope) };
    } catch (error) {
      throw storeError(error);
    }
  }

  async *listAll(): AsyncIterable<BackupPolicy> {
    let start: Record<string, unknown> | undefined;
    do {
      let page: Awaited<ReturnType<ReturnType<typeof this.queryAll>['send']>>;
      try {
        page = await this.queryAll(start).send();
      } catch (error) {
        throw storeError(error);
      }
      for (const found of page.Items ?? []) yield found.doc as BackupPolicy;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  private queryAll(start: Record<string, unknown> | undefined) {
    return this.#all
      .query({})
      .options({ limit: 100, maxPages: 1, ...(start ? { exclusiveStartKey: start as never } : {}) });
  }

  async save(policy: BackupPolicy): Promise<boolean> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item(toItem({ ...policy, version: policy.version + 1 }))
        .options({ condition: { attr: 'version', eq: policy.version } })
        .send();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error);
    }
  }

  async delete(tenant: string, id: string): Promise<BackupPolicy | undefined> {
    try {
      const { Attributes } = await this.#entity
        .build(DeleteItemCommand)
        .key({ tenant, id })
        .options({ returnValues: 'ALL_OLD' })
        .send();
      return Attributes?.doc as BackupPolicy | undefined;
    } catch (error) {
      throw storeError(error);
    }
  }
}

function toItem(policy: BackupPolicy) {
  const doc = JSON.parse(JSON.stringify(policy)) as BackupPolicy;
  return {
    tenant: policy.tenant,
    id: policy.id,
    version: policy.version,
    doc,
    gsi1pk: ALL,
    gsi1sk: `${policy.tenant}#${policy.id}`,
  };
}
