import { Entity } from 'dynamodb-toolbox/entity';
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get';
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put';
import { item } from 'dynamodb-toolbox/schema/item';
import { string } from 'dynamodb-toolbox/schema/string';
import type { KeyBinding, KeyBindings } from '../core/ports/idempotency.ts';
import type { BrokerTable } from './broker-table.ts';
import { isConditionFailure, storeError } from './dynamo-errors.ts';

function createBindingEntity(table: BrokerTable) {
  return new Entity({
    name: 'KeyBinding',
    table,
    timestamps: false,
    schema: item({
      tenant: string().key(),
      scope: string().key(),
      resourceId: string(),
      operationId: string(),
      fingerprint: string(),
    }),
    computeKey: ({ tenant, scope }: { tenant: string; scope: string }) => ({
      pk: `TENANT#${tenant}`,
      sk: `IDEMKEY#${scope}`,
    }),
  });
}

/**
 * Idempotency-Key → resource bindings under the tenant's partition (`IDEMKEY#<scope>`, the scope a hash
 * of subject and key). No TTL: unlike a stored response, a binding must outlive every retry.
 */
export class KeyBindingStore implements KeyBindings {
  readonly #entity: ReturnType<typeof createBindingEntity>;

  constructor(table: BrokerTable) {
    this.#entity = createBindingEntity(table);
  }

  async get(tenant: string, scope: string): Promise<KeyBinding | undefined> {
    try {
      const { Item } = await this.#entity
        .build(GetItemCommand)
        .key({ tenant, scope })
        .options({ consistent: true })
        .send();
      if (!Item) return undefined;
      return { resourceId: Item.resourceId, operationId: Item.operationId, fingerprint: Item.fingerprint };
    } catch (error) {
      throw storeError(error);
    }
  }

  async bind(tenant: string, scope: string, binding: KeyBinding): Promise<boolean> {
    try {
      await this.#entity
        .build(PutItemCommand)
        .item({ tenant, scope, ...binding })
        .options({ condition: { attr: 'scope', exists: false } })
        .send();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError(error);
    }
  }
}
