import type { Classification } from '../classification.ts';
import type { Volume, VolumeSnapshot, VolumeStatus } from '../model/volume.ts';
import type { Page, PageRequest } from './repositories.ts';

export interface VolumeFilter {
  status?: VolumeStatus;
  classification?: Classification;
  targetId?: string;
  vmId?: string;
  includeDeleted?: boolean;
}

/** `undefined` leaves a field; `null` clears an optional one. */
export type VolumePatch = Partial<
  Pick<Volume, 'status' | 'placement' | 'operationId' | 'sizeGiB' | 'type'>
> & {
  task?: string | null;
  cloudId?: string | null;
  attachment?: Volume['attachment'] | null;
  fault?: string | null;
  activeOperationId?: string | null;
};

export interface VolumeRepository {
  create(volume: Volume): Promise<void>;
  get(tenant: string, id: string): Promise<Volume | undefined>;
  findById(id: string): Promise<Volume | undefined>;
  list(tenant: string, filter: VolumeFilter, page: PageRequest): Promise<Page<Volume>>;
  /** Every volume not `deleted`, across tenants, a page at a time (the reconciler); eventually consistent. */
  scanLive(): AsyncIterable<Volume>;
  update(
    tenant: string,
    id: string,
    patch: VolumePatch,
    options?: { expectActiveOperation?: string | null },
  ): Promise<Volume>;
}

export type SnapshotPatch = Partial<Pick<VolumeSnapshot, 'status' | 'operationId'>> & {
  cloudId?: string | null;
  fault?: string | null;
  activeOperationId?: string | null;
};

export interface SnapshotRepository {
  create(snapshot: VolumeSnapshot): Promise<void>;
  get(tenant: string, id: string): Promise<VolumeSnapshot | undefined>;
  listByVolume(tenant: string, volumeId: string, page: PageRequest): Promise<Page<VolumeSnapshot>>;
  update(
    tenant: string,
    id: string,
    patch: SnapshotPatch,
    options?: { expectActiveOperation?: string | null },
  ): Promise<VolumeSnapshot>;
}
