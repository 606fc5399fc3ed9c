import { isBrokerError } from '../../core/errors.ts';
import type {
  BlockStorageService,
  CloudSnapshot,
  CloudVolume,
  CreateVolumeInput,
} from '../../core/ports/cloud/block-storage.ts';
import type { Cinder } from './cinder.ts';
import {
  BROKER_SNAPSHOT_KEY,
  BROKER_VOLUME_KEY,
  metadataFilter,
  toCloudSnapshot,
  toCloudVolume,
} from './cinder.ts';
import type { NovaActions } from './nova-actions.ts';
import { openstackError } from './openstack-errors.ts';

/** Nova/Cinder metadata limits: 255 characters per key and value. */
const META_MAX = 255;

/**
 * BlockStorageService on Cinder; attach and detach go through Nova (os-volume_attachments), which
 * drives Cinder's attachment API itself — attaching through Cinder alone leaves the guest unaware.
 */
export class OpenStackBlockStorage implements BlockStorageService {
  readonly #cinder: Cinder;
  readonly #actions: NovaActions;

  constructor(clients: { cinder: Cinder; actions: NovaActions }) {
    this.#cinder = clients.cinder;
    this.#actions = clients.actions;
  }

  /** One POST, never retried here: the core looks the broker id up before creating again (I4). */
  async createVolume(input: CreateVolumeInput): Promise<CloudVolume> {
    const volume = await this.#cinder.createVolume({
      size: input.sizeGiB,
      name: input.name,
      metadata: metadata(input.tags, BROKER_VOLUME_KEY, input.brokerId),
      ...(input.snapshotId ? { snapshot_id: input.snapshotId } : {}),
      ...(input.volumeType ? { volume_type: input.volumeType } : {}),
    });
    return toCloudVolume(volume);
  }

  async findVolumeByBrokerId(brokerId: string): Promise<CloudVolume | undefined> {
    for await (const v of this.#cinder.listVolumes({
      metadata: metadataFilter({ [BROKER_VOLUME_KEY]: brokerId }),
    })) {
      // The filter is server-side configuration; check it held.
      if (v.metadata?.[BROKER_VOLUME_KEY] === brokerId && v.status !== 'deleted') return toCloudVolume(v);
    }
    return undefined;
  }

  async getVolume(volumeId: string): Promise<CloudVolume> {
    return toCloudVolume(await this.#cinder.getVolume(volumeId));
  }

  async *listVolumes(): AsyncIterable<CloudVolume> {
    for await (const v of this.#cinder.listVolumes()) yield toCloudVolume(v);
  }

  /**
   * Cinder answers 400 when the status forbids deletion; reading the volume tells "already deleting"
   * (done) from "attached" (conflict).
   */
  async deleteVolume(volumeId: string): Promise<void> {
    try {
      await this.#cinder.deleteVolume(volumeId);
    } catch (error) {
      if (!isBrokerError(error, 'invalidRequest')) throw error;
      const volume = await this.getVolume(volumeId).catch((e: unknown) =>
        isBrokerError(e, 'notFound') ? undefined : Promise.reject(e),
      );
      if (volume === undefined || volume.state === 'deleting' || volume.state === 'deleted') return;
      throw openstackError('conflict', `cinder.deleteVolume: volume is ${volume.rawState}`, {
        cause: error,
        details: { volumeId, status: volume.rawState },
      });
    }
  }

  /** Idempotent: a volume already attached (or attaching) to this server is left as it is. */
  async attachVolume(volumeId: string, serverId: string): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (volume.attachments.some((a) => a.serverId === serverId)) return;
    if (volume.state !== 'available')
      throw openstackError('conflict', `volume is ${volume.rawState}, not available`, {
        details: { volumeId, status: volume.rawState },
      });
    await this.#actions.attachVolume(serverId, volumeId);
  }

  /** Idempotent: a volume not attached to this server is left as it is. */
  async detachVolume(volumeId: string, serverId: string): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (!volume.attachments.some((a) => a.serverId === serverId)) {
      if (volume.state === 'available' || volume.state === 'detaching') return;
      if (volume.state === 'inUse')
        throw openstackError('conflict', 'volume is attached to another server', { details: { volumeId } });
    }
    await this.#actions.detachVolume(serverId, volumeId);
  }

  /** Idempotent: a volume already at least `sizeGiB` is left as it is (Cinder refuses a non-growing size). */
  async extendVolume(volumeId: string, sizeGiB: number): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (volume.sizeGiB >= sizeGiB || volume.rawState === 'extending') return;
    if (volume.state !== 'available' && volume.state !== 'inUse')
      throw openstackError('conflict', `volume is ${volume.rawState}, cannot extend`, {
        details: { volumeId, status: volume.rawState },
      });
    await this.#cinder.extendVolume(volumeId, sizeGiB);
  }

  /** Idempotent: a volume already of that type, or retyping, is left as it is. */
  async retypeVolume(volumeId: string, volumeType: string): Promise<void> {
    const volume = await this.getVolume(volumeId);
    if (volume.volumeType === volumeType || volume.rawState === 'retyping') return;
    if (volume.state !== 'available' && volume.state !== 'inUse')
      throw openstackError('conflict', `volume is ${volume.rawState}, cannot retype`, {
        details: { volumeId, status: volume.rawState },
      });
    await this.#cinder.retypeVolume(volumeId, volumeType);
  }

  /** Looks for a snapshot with this broker id first, so a retry does not make a second one. */
  async createSnapshot(volumeId: string, input: { brokerId: string; name: string }): Promise<CloudSnapshot> {
    const existing = await this.findSnapshotByBrokerId(input.brokerId);
    if (existing) return existing;
    const snapshot = await this.#cinder.createSnapshot({
      volume_id: volumeId,
      name: input.name,
      metadata: metadata({}, BROKER_SNAPSHOT_KEY, input.brokerId),
    });
    return toCloudSnapshot(snapshot);
  }

  async findSnapshotByBrokerId(brokerId: string): Promise<CloudSnapshot | undefined> {
    for await (const s of this.#cinder.listSnapshots({
      metadata: metadataFilter({ [BROKER_SNAPSHOT_KEY]: brokerId }),
    })) {
      if (s.metadata?.[BROKER_SNAPSHOT_KEY] === brokerId && s.status !== 'deleted') return toCloudSnapshot(s);
    }
    return undefined;
  }

  async getSnapshot(snapshotId: string): Promise<CloudSnapshot> {
    return toCloudSnapshot(await this.#cinder.getSnapshot(snapshotId));
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    try {
      await this.#cinder.deleteSnapshot(snapshotId);
    } catch (error) {
      if (!isBrokerError(error, 'invalidRequest')) throw error;
      const snapshot = await this.getSnapshot(snapshotId).catch((e: unknown) =>
        isBrokerError(e, 'notFound') ? undefined : Promise.reject(e),
      );
      if (snapshot === undefined || snapshot.state === 'deleting' || snapshot.state === 'deleted') return;
      throw openstackError('conflict', `cinder.deleteSnapshot: snapshot is ${snapshot.rawState}`, {
        cause: error,
        details: { snapshotId },
      });
    }
  }
}

function metadata(tags: Record<string, string>, key: string, brokerId: string): Record<string, string> {
  const out = { ...tags, [key]: brokerId };
  for (const [k, v] of Object.entries(out))
    if (k.length === 0 || k.length > META_MAX || v.length > META_MAX)
      throw openstackError(
        'invalidRequest',
        `volume metadata keys and values must be 1–${META_MAX} characters`,
      );
  return out;
}
