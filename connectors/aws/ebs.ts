import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  type EC2Client,
  type Filter,
  ModifyVolumeCommand,
  type Snapshot,
  type Volume,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { BrokerError } from '../../core/errors.ts';
import type {
  BlockStorageService,
  CloudSnapshot,
  CloudVolume,
  CreateVolumeInput,
  SnapshotState,
  VolumeState,
} from '../../core/ports/cloud/block-storage.ts';
import { DEPLOYMENT_TAG } from '../../core/ports/cloud/compute.ts';
import { awsCall, awsCallOrAbsent } from './aws-errors.ts';
import { type AwsSettings, ec2ClientToken, pages, TAG, tagValue, toTags } from './aws-settings.ts';
import type { Ec2Location } from './ec2-location.ts';

/** Device names AWS recommends for attached EBS volumes on Linux (/dev/sdf … /dev/sdp). */
export const DEVICE_NAMES = 'fghijklmnop'.split('').map((c) => `/dev/sd${c}`);

/** The first recommended device name not used by the instance (also under its xvd alias). */
export function freeDeviceName(used: string[]): string | undefined {
  const taken = new Set(used.map((d) => d.replace('/dev/xvd', '/dev/sd')));
  return DEVICE_NAMES.find((d) => !taken.has(d));
}

/** EBS volumes and snapshots: encrypted, in the target's one zone, found again by broker id tags. */
export class EbsBlockStorage implements BlockStorageService {
  readonly #ec2: EC2Client;
  readonly #settings: AwsSettings;
  readonly #location: Ec2Location;

  constructor(ec2: EC2Client, settings: AwsSettings, location: Ec2Location) {
    this.#ec2 = ec2;
    this.#settings = settings;
    this.#location = location;
  }

  async createVolume(input: CreateVolumeInput): Promise<CloudVolume> {
    // As for instances: the ClientToken for AWS, the tag lookup for emulators that ignore it.
    const earlier = await this.#firstVolume([
      { Name: `tag:${TAG.clientToken}`, Values: [input.clientToken] },
    ]);
    if (earlier) return earlier;
    const zone = await this.#location.zone();
    const own = {
      [TAG.volume]: input.brokerId,
      [TAG.name]: input.name,
      [TAG.clientToken]: input.clientToken,
    };
    const out = await awsCall('CreateVolume', () =>
      this.#ec2.send(
        new CreateVolumeCommand({
          ClientToken: ec2ClientToken(input.clientToken),
          AvailabilityZone: zone,
          Size: input.sizeGiB,
          ...ebsType(input.volumeType ?? DEFAULT_EBS_TYPE, input.sizeGiB),
          Encrypted: true,
          ...(this.#settings.kmsKeyId ? { KmsKeyId: this.#settings.kmsKeyId } : {}),
          ...(input.snapshotId ? { SnapshotId: input.snapshotId } : {}),
          TagSpecifications: [{ ResourceType: 'volume', Tags: toTags(own, input.tags) }],
        }),
      ),
    );
    return toCloudVolume(out);
  }

  findVolumeByBrokerId(brokerId: string): Promise<CloudVolume | undefined> {
    return this.#firstVolume([{ Name: `tag:${TAG.volume}`, Values: [brokerId] }]);
  }

  /** A deleted volume counts as gone (`notFound`). */
  async getVolume(volumeId: string): Promise<CloudVolume> {
    const volume = await this.#volume(volumeId);
    if (!volume || volume.State === 'deleted') throw new BrokerError('aws.notFound', `no volume ${volumeId}`);
    return toCloudVolume(volume);
  }

  async *listVolumes(): AsyncIterable<CloudVolume> {
    for await (const page of pages((NextToken) =>
      awsCall('DescribeVolumes', () =>
        this.#ec2.send(
          new DescribeVolumesCommand({
            Filters: [{ Name: 'tag-key', Values: [TAG.volume] }],
            MaxResults: this.#settings.pageSize,
            NextToken,
          }),
        ),
      ),
    ))
      for (const volume of page.Volumes ?? []) if (volume.State !== 'deleted') yield toCloudVolume(volume);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await awsCallOrAbsent('DeleteVolume', () =>
      this.#ec2.send(new DeleteVolumeCommand({ VolumeId: volumeId })),
    );
  }

  /** Idempotent: a volume already attached to this server is left as it is. */
  async attachVolume(volumeId: string, serverId: string): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (volume.attachments.some((a) => a.serverId === serverId)) return;
    if (volume.state !== 'available')
      throw new BrokerError('aws.conflict', `volume ${volumeId} is ${volume.state}`);
    const out = await awsCall('DescribeInstances', () =>
      this.#ec2.send(new DescribeInstancesCommand({ InstanceIds: [serverId] })),
    );
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (!instance || instance.State?.Name === 'terminated')
      throw new BrokerError('aws.notFound', `no instance ${serverId}`);
    const used = (instance.BlockDeviceMappings ?? []).map((m) => m.DeviceName ?? '');
    const device = freeDeviceName(used);
    if (!device) throw new BrokerError('aws.quotaExceeded', `instance ${serverId} has no free device name`);
    await awsCall('AttachVolume', () =>
      this.#ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: serverId, Device: device })),
    );
  }

  /** Idempotent: a volume no longer attached to this server is fine. */
  async detachVolume(volumeId: string, serverId: string): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (!volume.attachments.some((a) => a.serverId === serverId)) return;
    await awsCallOrAbsent('DetachVolume', () =>
      this.#ec2.send(new DetachVolumeCommand({ VolumeId: volumeId, InstanceId: serverId })),
    );
  }

  /**
   * ModifyVolume grows an attached volume online; the new size shows in DescribeVolumes at once, while
   * the modification goes on optimizing (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyVolume.html).
   * Idempotent: a volume already at least `sizeGiB` is left as it is.
   */
  async extendVolume(volumeId: string, sizeGiB: number): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (volume.sizeGiB >= sizeGiB) return;
    await awsCall('ModifyVolume', () =>
      this.#ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, Size: sizeGiB })),
    );
  }

  /**
   * ModifyVolume changes the type online, attached or not; DescribeVolumes shows the new type at once while
   * the modification goes on. Idempotent: a volume already of that type is left as it is.
   */
  async retypeVolume(volumeId: string, volumeType: string): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (volume.volumeType === volumeType) return;
    await awsCall('ModifyVolume', () =>
      this.#ec2.send(new ModifyVolumeCommand({ VolumeId: volumeId, ...ebsType(volumeType, volume.sizeGiB) })),
    );
  }

  async createSnapshot(volumeId: string, input: { brokerId: string; name: string }): Promise<CloudSnapshot> {
    // CreateSnapshot takes no client token: the broker id tag is looked up first instead.
    const earlier = await this.findSnapshotByBrokerId(input.brokerId);
    if (earlier) return earlier;
    const out = await awsCall('CreateSnapshot', () =>
      this.#ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: toTags({ [TAG.snapshot]: input.brokerId, [TAG.name]: input.name }),
            },
          ],
        }),
      ),
    );
    return toCloudSnapshot(out);
  }

  async findSnapshotByBrokerId(brokerId: string): Promise<CloudSnapshot | undefined> {
    const out = await awsCall('DescribeSnapshots', () =>
      this.#ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [{ Name: `tag:${TAG.snapshot}`, Values: [brokerId] }],
        }),
      ),
    );
    const found = out.Snapshots?.[0];
    return found && toCloudSnapshot(found);
  }

  async getSnapshot(snapshotId: string): Promise<CloudSnapshot> {
    const out = await awsCallOrAbsent('DescribeSnapshots', () =>
      this.#ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })),
    );
    const snapshot = out?.Snapshots?.[0];
    if (!snapshot) throw new BrokerError('aws.notFound', `no snapshot ${snapshotId}`);
    return toCloudSnapshot(snapshot);
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await awsCallOrAbsent('DeleteSnapshot', () =>
      this.#ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
    );
  }

  async #volume(volumeId: string): Promise<Volume | undefined> {
    const out = await awsCallOrAbsent('DescribeVolumes', () =>
      this.#ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })),
    );
    return out?.Volumes?.[0];
  }

  async #firstVolume(filters: Filter[]): Promise<CloudVolume | undefined> {
    const out = await awsCall('DescribeVolumes', () =>
      this.#ec2.send(new DescribeVolumesCommand({ Filters: filters })),
    );
    const found = out.Volumes?.find((v) => v.State !== 'deleted' && v.State !== 'deleting');
    return found && toCloudVolume(found);
  }
}

const VOLUME_STATES: Record<string, VolumeState> = {
  creating: 'creating',
  available: 'available',
  deleting: 'deleting',
  deleted: 'deleted',
  error: 'error',
};
/** An `in-use` volume's state is its attachment's (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-describing-volumes.html). */
const ATTACHMENT_STATES: Record<string, VolumeState> = {
  attaching: 'attaching',
  attached: 'inUse',
  detaching: 'detaching',
  detached: 'available',
  busy: 'inUse',
};

export function toVolumeState(volume: Pick<Volume, 'State' | 'Attachments'>): VolumeState {
  if (volume.State !== 'in-use') return VOLUME_STATES[volume.State ?? ''] ?? 'unknown';
  return ATTACHMENT_STATES[volume.Attachments?.[0]?.State ?? 'attached'] ?? 'unknown';
}

/** What a volume is made as when the catalogue names no type: general-purpose SSD, the current generation. */
export const DEFAULT_EBS_TYPE = 'gp3';

/**
 * The VolumeType, and for the provisioned-IOPS types (io1, io2) the IOPS they need: AWS requires a rate
 * for them (50 per GiB — the ratio io1 allows, io2 allows more — at least 100, at most 64 000).
 * https://docs.aws.amazon.com/ebs/latest/userguide/provisioned-iops.html
 */
export function ebsType(volumeType: string, sizeGiB: number): { VolumeType: VolumeType; Iops?: number } {
  const type = volumeType as VolumeType;
  if (volumeType !== 'io1' && volumeType !== 'io2') return { VolumeType: type };
  return { VolumeType: type, Iops: Math.min(64_000, Math.max(100, sizeGiB * 50)) };
}

export function toCloudVolume(volume: Volume): CloudVolume {
  const view: CloudVolume = {
    id: volume.VolumeId ?? '',
    name: tagValue(volume.Tags, TAG.name) ?? volume.VolumeId ?? '',
    sizeGiB: volume.Size ?? 0,
    state: toVolumeState(volume),
    rawState: volume.State ?? 'unknown',
    attachments: (volume.Attachments ?? [])
      .filter((a) => a.InstanceId && a.State !== 'detached')
      .map((a) => ({ serverId: a.InstanceId!, ...(a.Device ? { device: a.Device } : {}) })),
    encrypted: volume.Encrypted === true,
    ...(volume.VolumeType ? { volumeType: volume.VolumeType } : {}),
  };
  const brokerId = tagValue(volume.Tags, TAG.volume);
  if (brokerId !== undefined) view.brokerId = brokerId;
  const deployment = tagValue(volume.Tags, DEPLOYMENT_TAG);
  if (deployment !== undefined) view.deployment = deployment;
  return view;
}

const SNAPSHOT_STATES: Record<string, SnapshotState> = {
  pending: 'creating',
  completed: 'available',
  error: 'error',
  recoverable: 'unknown',
  recovering: 'unknown',
};

export const toSnapshotState = (state: string | undefined): SnapshotState =>
  SNAPSHOT_STATES[state ?? ''] ?? 'unknown';

export function toCloudSnapshot(snapshot: Snapshot): CloudSnapshot {
  const view: CloudSnapshot = {
    id: snapshot.SnapshotId ?? '',
    volumeId: snapshot.VolumeId ?? '',
    name: tagValue(snapshot.Tags, TAG.name) ?? snapshot.SnapshotId ?? '',
    sizeGiB: snapshot.VolumeSize ?? 0,
    state: toSnapshotState(snapshot.State),
    rawState: snapshot.State ?? 'unknown',
  };
  const brokerId = tagValue(snapshot.Tags, TAG.snapshot);
  if (brokerId !== undefined) view.brokerId = brokerId;
  return view;
}
