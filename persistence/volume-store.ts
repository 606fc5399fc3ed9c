import { Entity } from 'dynamodb-toolbox/entity';
import { item } from 'dynamodb-toolbox/schema/item';
import { map } from 'dynamodb-toolbox/schema/map';
import { number } from 'dynamodb-toolbox/schema/number';
import { record } from 'dynamodb-toolbox/schema/record';
import { string } from 'dynamodb-toolbox/schema/string';
import type { Volume, VolumeSnapshot } from '../core/model/volume.ts';
import type { Page, PageRequest } from '../core/ports/repositories.ts';
import type {
  SnapshotPatch,
  SnapshotRepository,
  VolumeFilter,
  VolumePatch,
  VolumeRepository,
} from '../core/ports/volume-repositories.ts';
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

/** What volumes and their snapshots both have. */
const blockAttributes = () => ({
  ...tenantResourceKeys(),
  name: string(),
  sizeGiB: number(),
  classification: string(),
  cloudId: string().optional(),
  ...statusAttributes(),
  ...operationAttributes(),
  ...recordAttributes(),
});

function createVolumeEntity(table: BrokerTable) {
  return new Entity({
    name: 'Volume',
    table,
    timestamps: false,
    schema: item({
      ...blockAttributes(),
      region: string().optional(),
      type: string().optional(),
      tags: record(string(), string()),
      task: string().optional(),
      placement: placementSchema().optional(),
      attachment: map({ vmId: string(), device: string().optional() }).optional(),
      sourceSnapshotId: string().optional(),
    }),
    computeKey: tenantKey('VOL'),
  });
}

function createSnapshotEntity(table: BrokerTable) {
  return new Entity({
    name: 'Snapshot',
    table,
    timestamps: false,
    schema: item({
      ...blockAttributes(),
      volumeId: string(),
      placement: placementSchema(),
      backupPolicyId: string().optional(),
    }),
    computeKey: tenantKey('SNAP'),
  });
}

/** Volumes under their tenant's partition. */
export class VolumeStore extends TenantResourceStore<Volume, VolumePatch> implements VolumeRepository {
  constructor(table: BrokerTable, cursors: CursorCodec) {
    super(createVolumeEntity(table), {
      cursors,
      entityName: 'Volume',
      prefix: 'VOL',
      noun: 'volume',
    });
  }

  list(tenant: string, filter: VolumeFilter, page: PageRequest): Promise<Page<Volume>> {
    const conditions = commonFilters(filter);
    if (filter.vmId !== undefined) conditions.push({ attr: 'attachment.vmId', eq: filter.vmId });
    return this.listMatching(tenant, conditions, filter, page);
  }
}

/** Volume snapshots under their tenant's partition. */
export class SnapshotStore
  extends TenantResourceStore<VolumeSnapshot, SnapshotPatch>
  implements SnapshotRepository
{
  constructor(table: BrokerTable, cursors: CursorCodec) {
    super(createSnapshotEntity(table), {
      cursors,
      entityName: 'Snapshot',
      prefix: 'SNAP',
      noun: 'snapshot',
    });
  }

  listByVolume(tenant: string, volumeId: string, page: PageRequest): Promise<Page<VolumeSnapshot>> {
    return this.listMatching(
      tenant,
      [{ attr: 'volumeId', eq: volumeId }, ...commonFilters({})],
      { volumeId },
      page,
    );
  }
}
