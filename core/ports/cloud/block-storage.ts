/** Block storage (Cinder volumes, EBS volumes) and their snapshots. */
export const VOLUME_STATES = [
  'creating',
  'available',
  'attaching',
  'inUse',
  'detaching',
  'deleting',
  'deleted',
  'error',
  'unknown',
] as const;
export type VolumeState = (typeof VOLUME_STATES)[number];

export interface VolumeAttachmentInfo {
  serverId: string;
  device?: string;
}

export interface CloudVolume {
  id: string;
  brokerId?: string;
  /** The deployment that created it (`DEPLOYMENT_TAG`, compute.ts); absent on volumes made before the tag. */
  deployment?: string;
  name: string;
  sizeGiB: number;
  state: VolumeState;
  rawState: string;
  attachments: VolumeAttachmentInfo[];
  encrypted?: boolean;
  /** The cloud's volume type (Cinder volume type name, EBS VolumeType). */
  volumeType?: string;
}

export const SNAPSHOT_STATES = ['creating', 'available', 'deleting', 'deleted', 'error', 'unknown'] as const;
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];

export interface CloudSnapshot {
  id: string;
  brokerId?: string;
  volumeId: string;
  name: string;
  sizeGiB: number;
  state: SnapshotState;
  rawState: string;
}

export interface CreateVolumeInput {
  brokerId: string;
  name: string;
  sizeGiB: number;
  tags: Record<string, string>;
  clientToken: string;
  /** Restore from one of this target's snapshots. */
  snapshotId?: string;
  /** The cloud's volume type (catalogue `volumeTypes`); absent: the cloud's default. */
  volumeType?: string;
}

export interface BlockStorageService {
  createVolume(input: CreateVolumeInput): Promise<CloudVolume>;
  findVolumeByBrokerId(brokerId: string): Promise<CloudVolume | undefined>;
  getVolume(volumeId: string): Promise<CloudVolume>;
  listVolumes(): AsyncIterable<CloudVolume>;
  /** Idempotent. */
  deleteVolume(volumeId: string): Promise<void>;
  /** Attaches through the compute side (Nova os-volume_attachments / EC2 AttachVolume). */
  attachVolume(volumeId: string, serverId: string): Promise<void>;
  detachVolume(volumeId: string, serverId: string): Promise<void>;
  /**
   * Grows a volume to `sizeGiB`, attached or not (Cinder os-extend / EC2 ModifyVolume). Idempotent: a volume
   * already at least that large is left as it is. Never shrinks (clouds refuse it).
   */
  extendVolume(volumeId: string, sizeGiB: number): Promise<void>;
  /**
   * Changes a volume's type in place, attached or not (Cinder os-retype, migrating only if the backend must;
   * EC2 ModifyVolume VolumeType). Idempotent: a volume already of that type is left as it is.
   */
  retypeVolume(volumeId: string, volumeType: string): Promise<void>;
  createSnapshot(volumeId: string, input: { brokerId: string; name: string }): Promise<CloudSnapshot>;
  findSnapshotByBrokerId(brokerId: string): Promise<CloudSnapshot | undefined>;
  getSnapshot(snapshotId: string): Promise<CloudSnapshot>;
  /** Idempotent. */
  deleteSnapshot(snapshotId: string): Promise<void>;
}
