import { Entity } from 'dynamodb-toolbox/entity';
import { item } from 'dynamodb-toolbox/schema/item';
import { record } from 'dynamodb-toolbox/schema/record';
import { string } from 'dynamodb-toolbox/schema/string';
import type { Network } from '../core/model/network.ts';
import type { NetworkFilter, NetworkPatch, NetworkRepository } from '../core/ports/network-repository.ts';
import type { Page, PageRequest } from '../core/ports/repositories.ts';
import type { BrokerTable } from './broker-table.ts';
import type { CursorCodec } from './cursor.ts';
import {
  commonFilters,
  operationAttributes,
  placementSchema,
  recordAttributes,
  statusAttributes,
  tenantKey,
  tenantResourceKeys,
} from './resource-schema.ts';
import { TenantResourceStore } from './tenant-resource-store.ts';

function createNetworkEntity(table: BrokerTable) {
  return new Entity({
    name: 'Network',
    table,
    timestamps: false,
    schema: item({
      ...tenantResourceKeys(),
      name: string(),
      classification: string(),
      region: string().optional(),
      tags: record(string(), string()),
      placement: placementSchema().optional(),
      cidr: string(),
      ...statusAttributes(),
      ...operationAttributes(),
      ...recordAttributes(),
    }),
    computeKey: tenantKey('NET'),
  });
}

/** Tenant networks under their tenant's partition. */
export class NetworkStore extends TenantResourceStore<Network, NetworkPatch> implements NetworkRepository {
  constructor(table: BrokerTable, cursors: CursorCodec) {
    super(createNetworkEntity(table), {
      cursors,
      entityName: 'Network',
      prefix: 'NET',
      noun: 'network',
    });
  }

  list(tenant: string, filter: NetworkFilter, page: PageRequest): Promise<Page<Network>> {
    return this.listMatching(tenant, commonFilters(filter), filter, page);
  }
}
