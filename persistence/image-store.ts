import { Entity } from 'dynamodb-toolbox/entity';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { string } from 'dynamodb-toolbox/schema/string';
import type { Image } from '../core/model/image.ts';
import type { ImagePatch, ImageRepository } from '../core/ports/image-repository.ts';
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

function createImageEntity(table: BrokerTable) {
  return new Entity({
    name: 'Image',
    table,
    timestamps: false,
    schema: item({
      ...tenantResourceKeys(),
      name: string(),
      classification: string(),
      placement: placementSchema(),
      cloudId: string().optional(),
      source: any(),
      ...statusAttributes(),
      ...operationAttributes(),
      ...recordAttributes(),
    }),
    computeKey: tenantKey('IMG'),
  });
}

/** Images the broker made (VM snapshots, copies), under their tenant's partition. */
export class ImageStore extends TenantResourceStore<Image, ImagePatch> implements ImageRepository {
  constructor(table: BrokerTable, cursors: CursorCodec) {
    super(createImageEntity(table), {
      cursors,
      entityName: 'Image',
      prefix: 'IMG',
      noun: 'image',
    });
  }

  list(
    tenant: string,
    filter: { targetId?: string; includeDeleted?: boolean },
    page: PageRequest,
  ): Promise<Page<Image>> {
    return this.listMatching(tenant, commonFilters(filter), filter, page);
  }
}
