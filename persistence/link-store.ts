import { Entity } from 'dynamodb-toolbox/entity';
import { any } from 'dynamodb-toolbox/schema/any';
import { item } from 'dynamodb-toolbox/schema/item';
import { list } from 'dynamodb-toolbox/schema/list';
import { number } from 'dynamodb-toolbox/schema/number';
import { string } from 'dynamodb-toolbox/schema/string';
import type { Link } from '../core/model/link.ts';
import type { LinkPatch, LinkRepository } from '../core/ports/link-repository.ts';
import type { Page, PageRequest } from '../core/ports/repositories.ts';
import type { BrokerTable } from './broker-table.ts';
import type { CursorCodec } from './cursor.ts';
import {
  commonFilters,
  recordAttributes,
  statusAttributes,
  tenantKey,
  tenantResourceKeys,
} from './resource-schema.ts';
import { TenantResourceStore } from './tenant-resource-store.ts';

function createLinkEntity(table: BrokerTable) {
  return new Entity({
    name: 'Link',
    table,
    timestamps: false,
    schema: item({
      ...tenantResourceKeys(),
      from: any(),
      to: any(),
      port: number(),
      // The last port of a range (absent: the single `port`).
      portTo: number().optional(),
      protocol: string(),
      policies: list(string()),
      // The exact rules programmed, so a delete removes those and nothing else.
      programmed: any(),
      ...statusAttributes(),
      ...recordAttributes(),
    }),
    computeKey: tenantKey('LNK'),
  });
}

/** Links and the exact rules each programmed, under their tenant's partition. */
export class LinkStore extends TenantResourceStore<Link, LinkPatch> implements LinkRepository {
  constructor(table: BrokerTable, cursors: CursorCodec) {
    super(createLinkEntity(table), {
      cursors,
      entityName: 'Link',
      prefix: 'LNK',
      noun: 'link',
    });
  }

  list(
    tenant: string,
    filter: { vmId?: string; includeDeleted?: boolean },
    page: PageRequest,
  ): Promise<Page<Link>> {
    const conditions = commonFilters(filter);
    if (filter.vmId !== undefined)
      conditions.push({
        or: [
          { attr: 'from.vmId', eq: filter.vmId },
          { attr: 'to.vmId', eq: filter.vmId },
        ],
      });
    return this.listMatching(tenant, conditions, filter, page);
  }
}
