import { Entity } from 'dynamodb-toolbox/entity';
import { any } from 'dynamodb-toolbox/schema/any';
import { boolean } from 'dynamodb-toolbox/schema/boolean';
import { item } from 'dynamodb-toolbox/schema/item';
import { list } from 'dynamodb-toolbox/schema/list';
import { map } from 'dynamodb-toolbox/schema/map';
import { record } from 'dynamodb-toolbox/schema/record';
import { string } from 'dynamodb-toolbox/schema/string';
import type { Vm } from '../core/model/vm.ts';
import type { Page, PageRequest, VmFilter, VmPatch, VmRepository } from '../core/ports/repositories.ts';
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

function createVmEntity(table: BrokerTable) {
  return new Entity({
    name: 'Vm',
    table,
    timestamps: false,
    schema: item({
      ...tenantResourceKeys(),
      name: string(),
      size: string(),
      image: string(),
      classification: string(),
      region: string().optional(),
      tags: record(string(), string()),
      // Set only through the admin designation route; flow policy trusts it.
      serviceEndpoint: boolean().optional(),
      task: string().optional(),
      placement: placementSchema().optional(),
      cloudId: string().optional(),
      addresses: list(string()),
      networks: list(string()).optional(),
      // Floating / Elastic IPs the broker allocated for the VM: the cloud's allocation id and the address.
      publicAddresses: list(map({ id: string(), ip: string() })).optional(),
      // Either an inline non-PHI payload or a pointer to the on-prem copy plus its hash (I2).
      userData: any().optional(),
      ...statusAttributes(),
      ...operationAttributes(),
      ...recordAttributes(),
    }),
    computeKey: tenantKey('VM'),
  });
}

/** VMs in the broker table, one item each under their tenant's partition. */
export class VmStore extends TenantResourceStore<Vm, VmPatch> implements VmRepository {
  constructor(table: BrokerTable, cursors: CursorCodec) {
    super(createVmEntity(table), {
      cursors,
      entityName: 'Vm',
      prefix: 'VM',
      noun: 'vm',
    });
  }

  list(tenant: string, filter: VmFilter, page: PageRequest): Promise<Page<Vm>> {
    const conditions = commonFilters(filter);
    if (filter.namePrefix !== undefined) conditions.push({ attr: 'name', beginsWith: filter.namePrefix });
    return this.listMatching(tenant, conditions, filter, page);
  }
}
