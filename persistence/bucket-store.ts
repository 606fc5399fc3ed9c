import { Entity } from 'dynamodb-toolbox/entity';
import { item } from 'dynamodb-toolbox/schema/item';
import { record } from 'dynamodb-toolbox/schema/record';
import { string } from 'dynamodb-toolbox/schema/string';
import type { Bucket } from '../core/model/bucket.ts';
import type { BucketFilter, BucketPatch, BucketRepository } from '../core/ports/bucket-repository.ts';
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

function createBucketEntity(table: BrokerTable) {
  return new Entity({
    name: 'Bucket',
    table,
    timestamps: false,
    schema: item({
      ...tenantResourceKeys(),
      name: string(),
      classification: string(),
      region: string().optional(),
      tags: record(string(), string()),
      placement: placementSchema().optional(),
      cloudName: string(),
      ...statusAttributes(),
      ...operationAttributes(),
      ...recordAttributes(),
    }),
    computeKey: tenantKey('BKT'),
  });
}

/** Buckets under their tenant's partition (names and settings only; never object keys). */
export class BucketStore extends TenantResourceStore<Bucket, BucketPatch> implements BucketRepository {
  constructor(table: BrokerTable, cursors: CursorCodec) {
    super(createBucketEntity(table), {
      cursors,
      entityName: 'Bucket',
      prefix: 'BKT',
      noun: 'bucket',
    });
  }

  list(tenant: string, filter: BucketFilter, page: PageRequest): Promise<Page<Bucket>> {
    return this.listMatching(tenant, commonFilters(filter), filter, page);
  }
}
