import type { Classification } from '../classification.ts';
import type { TargetRef } from './target.ts';

/** Volume statuses shown to clients. */
export const VOLUME_STATUSES = [
  'pending',
  'creating',
  'available',
  'attaching',
  'in-use',
  'detaching',
  'deleting',
  'deleted',
  'error',
] as const;
export type VolumeStatus = (typeof VOLUME_STATUSES)[number];

export interface Volume {
  id: string;
  tenant: string;
  name: string;
  sizeGiB: number;
  /** Its logical volume type (catalogue `volumeTypes`); absent on volumes made before types: `standard`. */
  type?: string;
  classification: Classification;
  region?: string;
  tags: Record<string, string>;
  status: VolumeStatus;
  task?: string;
  placement?: TargetRef;
  cloudId?: string;
  /** The VM it is attached to (same target, always). */
  attachment?: { vmId: string; device?: string };
  /** The snapshot it was restored from (its classification is at least that snapshot's). */
  sourceSnapshotId?: string;
  operationId: string;
  activeOperationId?: string;
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export const SNAPSHOT_STATUSES = [
  'pending',
  'creating',
  'available',
  'deleting',
  'deleted',
  'error',
] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

/** A point-in-time copy of a volume, on the volume's target; classified at least as high as the volume (taint). */
export interface VolumeSnapshot {
  id: string;
  tenant: string;
  volumeId: string;
  name: string;
  sizeGiB: number;
  classification: Classification;
  status: SnapshotStatus;
  placement: TargetRef;
  cloudId?: string;
  /** The backup policy whose run took it (its retention prunes it); none for a snapshot asked for. */
  backupPolicyId?: string;
  operationId: string;
  activeOperationId?: string;
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export type VolumeView = Omit<Volume, 'tenant' | 'cloudId' | 'activeOperationId' | 'type'> & { type: string };
export type SnapshotView = Omit<VolumeSnapshot, 'tenant' | 'cloudId' | 'activeOperationId'>;

export function toVolumeView(volume: Volume): VolumeView {
  const { tenant: _t, cloudId: _c, activeOperationId: _a, ...view } = volume;
  return { ...view, type: volume.type ?? 'standard' };
}

export function toSnapshotView(snapshot: VolumeSnapshot): SnapshotView {
  const { tenant: _t, cloudId: _c, activeOperationId: _a, ...view } = snapshot;
  return view;
}
