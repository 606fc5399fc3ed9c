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
import type { Webhook, WebhookRepository } from '../core/ports/events.ts';
import type { Page, PageRequest } from '../core/ports/repositories.ts';
import type { BrokerTable } from './broker-table.ts';
import { type CursorCodec, cursorInvalid, listScope } from './cursor.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

const ACTIVE = 'WEBHOOKS#ACTIVE';

function createWebhookEntity(table: BrokerTable) {
  return new Entity({
    name: 'Webhook',
    table,
    timestamps: false,
    schema: item({
      tenant: string().key(),
      id: string().key(),
      version: number(),
      doc: any(),
      // Present only while active: the dispatcher's work list across tenants.
      gsi1pk: string().optional(),
      gsi1sk: string().optional(),
    }),
    computeKey: ({ tenant, id }: { tenant: string; id: string }) => ({
      pk: `TENANT#${tenant}`,
      sk: `WEBHOOK#${id}`,
    }),
  });
}

/** Webhooks under their tenant's partition, written with optimistic concurrency on `version`. */
export class WebhookStore implements WebhookRepository {
  readonly #entity;
  readonly #byTenant;
  readonly #active;
  readonly #cursors: CursorCodec;

  constructor(table: BrokerTable, cursors: CursorCodec) {
    this.#cursors = cursors;
    this.#entity = createWebhookEntity(table);
    this.#byTenant = this.#entity
      .build(AccessPattern)
      .schema(string())
      .pattern((tenant: string) => ({ partition: `TENANT#${tenant}`, range: { beginsWith: 'WEBHOOK#' } }))
      .meta({ title: "A tenant's webhooks", description: 'oldest first' });
    this.#active = this.#entity
      .build(AccessPattern)
      .pattern(() => ({ index: 'gsi1', partition: ACTIVE }))
      .meta({ title: 'Active webhooks', description: 'across tenants' });
  }

  async create(webhook: Webhook): Promise<void> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item(toItem(webhook))
        .options({ condition: { attr: 'id', exists: false } })
        .send();
    } catch (error) {
      if (isConditionFailure(error)) throw new BrokerError('webhook.alreadyExists', 'webhook exists');
      throw storeError(error);
    }
  }

  async get(tenant: string, id: string): Promise<Webhook | undefined> {
    try {
      const { Item } = await this.#entity
        .build(GetItemCommand)
        .key({ tenant, id })
        .options({ consistent: true })
        .send();
      return Item?.doc as Webhook | undefined;
    } catch (error) {
      throw storeError(error);
    }
  }

  async listForTenant(tenant: string, page: PageRequest): Promise<Page<Webhook>> {
    const scope = listScope('WEBHOOK', tenant, {});
    const start = page.cursor === undefined ? undefined : this.#cursors.decode(page.cursor, scope);
    if (start && start.pk !== `TENANT#${tenant}`) throw cursorInvalid();
    try {
      const { Items = [], LastEvaluatedKey } = await this.#byTenant
        .query(tenant)
        .options({ limit: page.limit, maxPages: 1, ...(start ? { exclusiveStartKey: start } : {}) })
        .send();
      const items = Items.map((found) => found.doc as Webhook);
      const last = items.at(-1);
      if (!LastEvaluatedKey || !last) return { items };
      const key = { pk: `TENANT#${tenant}`, sk: `WEBHOOK#${last.id}` };
      return { items, nextCursor: this.#cursors.encode(key, scope) };
    } catch (error) {
      throw storeError(error);
    }
  }

  async listActive(): Promise<Webhook[]> {
    try {
      const { Items = [] } = await this.#active.query({}).options({ maxPages: 10 }).send();
      return Items.map((found) => found.doc as Webhook);
    } catch (error) {
      throw storeError(error);
    }
  }

  async save(webhook: Webhook): Promise<boolean> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item(toItem({ ...webhook, version: webhook.version + 1 }))
        .options({ condition: { attr: 'version', eq: webhook.version } })
        .send();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error);
    }
  }

  async delete(tenant: string, id: string): Promise<Webhook | undefined> {
    try {
      const { Attributes } = await this.#entity
        .build(DeleteItemCommand)
        .key({ tenant, id })
        .options({ returnValues: 'ALL_OLD' })
        .send();
      return Attributes?.doc as Webhook | undefined;
    } catch (error) {
      throw storeError(error);
    }
  }
}

function toItem(webhook: Webhook) {
  const doc = JSON.parse(JSON.stringify(webhook)) as Webhook;
  return {
    tenant: webhook.tenant,
    id: webhook.id,
    version: webhook.version,
    doc,
    ...(webhook.status === 'active' ? { gsi1pk: ACTIVE, gsi1sk: `${webhook.tenant}#${webhook.id}` } : {}),
  };
}
