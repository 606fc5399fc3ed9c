import { randomUUID } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';
import type {
  BlockStorageService,
  CloudSnapshot,
  CloudVolume,
  CreateVolumeInput,
  SnapshotState,
  VolumeState,
} from '../../core/ports/cloud/block-storage.ts';
import { DEPLOYMENT_TAG } from '../../core/ports/cloud/compute.ts';
import type { SandboxFaults } from './sandbox-faults.ts';
import { sandboxSettingsOf } from './sandbox-settings.ts';
import { advance, type SandboxSnapshot, type SandboxState, type SandboxVolume } from './sandbox-state.ts';

const VOLUME_STATES = new Set([
  'creating',
  'available',
  'attaching',
  'inUse',
  'detaching',
  'deleting',
  'deleted',
  'error',
]);
const SNAPSHOT_STATES = new Set(['creating', 'available', 'deleting', 'deleted', 'error']);

/** What a sandbox volume created without a type is, like a cloud's default volume type. */
const SANDBOX_DEFAULT_VOLUME_TYPE = 'sb-default';

export const toVolumeState = (s: string): VolumeState =>
  VOLUME_STATES.has(s) ? (s as VolumeState) : 'unknown';
export const toSnapshotState = (s: string): SnapshotState =>
  SNAPSHOT_STATES.has(s) ? (s as SnapshotState) : 'unknown';

/** Simulated block storage with a per-target capacity in GiB. */
export class SandboxBlockStorage implements BlockStorageService {
  readonly #target: Target;
  readonly #state: SandboxState;
  readonly #faults: SandboxFaults;
  readonly #now: () => number;

  constructor(target: Target, state: SandboxState, faults: SandboxFaults, now: () => number) {
    this.#target = target;
    this.#state = state;
    this.#faults = faults;
    this.#now = now;
  }

  async createVolume(input: CreateVolumeInput): Promise<CloudVolume> {
    await this.#faults.before('createVolume');
    if (input.snapshotId !== undefined) this.#snapshot(input.snapshotId);
    const volume = this.#state.mutate((data) => {
      const used = Object.values(data.volumes)
        .filter((v) => this.#live(v))
        .reduce((sum, v) => sum + v.sizeGiB, 0);
      if (used + input.sizeGiB > sandboxSettingsOf(this.#target).capacity.volumeGiB)
        throw new BrokerError(
          'sandbox.capacity',
          `target ${this.#target.id} has no room for ${input.sizeGiB} GiB`,
        );
      const created: SandboxVolume = {
        id: randomUUID(),
        brokerId: input.brokerId,
        ...(input.tags[DEPLOYMENT_TAG] === undefined ? {} : { deployment: input.tags[DEPLOYMENT_TAG] }),
        name: input.name,
        sizeGiB: input.sizeGiB,
        volumeType: input.volumeType ?? SANDBOX_DEFAULT_VOLUME_TYPE,
        state: 'creating',
        pending: { to: 'available', at: this.#now() + this.#ms() },
      };
      data.volumes[created.id] = created;
      return created;
    });
    this.#faults.after('createVolume');
    return view(volume);
  }

  async findVolumeByBrokerId(brokerId: string): Promise<CloudVolume | undefined> {
    await this.#faults.before('findVolumeByBrokerId');
    const found = Object.values(this.#state.data.volumes).find(
      (v) => v.brokerId === brokerId && this.#live(v),
    );
    return found && view(found);
  }

  async getVolume(volumeId: string): Promise<CloudVolume> {
    await this.#faults.before('getVolume');
    return view(this.#volume(volumeId));
  }

  async *listVolumes(): AsyncIterable<CloudVolume> {
    for (const volume of Object.values(this.#state.data.volumes)) if (this.#live(volume)) yield view(volume);
  }

  async deleteVolume(volumeId: string): Promise<void> {
    await this.#faults.before('deleteVolume');
    const volume = this.#state.data.volumes[volumeId];
    if (!volume || !this.#live(volume)) return;
    if (volume.state === 'inUse' || volume.state === 'attaching')
      throw new BrokerError('sandbox.conflict', `volume ${volumeId} is attached`);
    if (volume.state === 'deleting') return; // a repeated delete keeps the first one's end time
    this.#state.mutate(() => {
      volume.state = 'deleting';
      volume.pending = { to: 'deleted', at: this.#now() + this.#ms() };
    });
    this.#faults.after('deleteVolume');
  }

  async attachVolume(volumeId: string, serverId: string): Promise<void> {
    await this.#faults.before('attachVolume');
    const volume = this.#volume(volumeId);
    const server = this.#state.data.servers[serverId];
    if (!server || server.state === 'deleted')
      throw new BrokerError('sandbox.notFound', `no server ${serverId}`);
    if (volume.state === 'inUse' && volume.attachedTo === serverId) return;
    if (volume.state !== 'available')
      throw new BrokerError('sandbox.conflict', `volume ${volumeId} is ${volume.state}`);
    const taken = Object.values(this.#state.data.volumes).filter((v) => v.attachedTo === serverId).length;
    this.#state.mutate(() => {
      volume.attachedTo = serverId;
      volume.device = `/dev/vd${String.fromCharCode(98 + taken)}`;
      volume.state = 'attaching';
      volume.pending = { to: 'inUse', at: this.#now() + this.#ms() };
    });
    this.#faults.after('attachVolume');
  }

  async detachVolume(volumeId: string, serverId: string): Promise<void> {
    await this.#faults.before('detachVolume');
    const volume = this.#volume(volumeId);
    if (volume.attachedTo !== serverId) {
      if (volume.state === 'available') return;
      throw new BrokerError('sandbox.conflict', `volume ${volumeId} is not attached to ${serverId}`);
    }
    if (volume.state !== 'inUse')
      throw new BrokerError('sandbox.conflict', `volume ${volumeId} is ${volume.state}`);
    this.#state.mutate(() => {
      volume.state = 'detaching';
      volume.pending = { to: 'available', at: this.#now() + this.#ms() };
      delete volume.attachedTo;
      delete volume.device;
    });
    this.#faults.after('detachVolume');
  }

  /** Online like Cinder's in-use extend: the new size shows at once, the volume keeps its state. */
  async extendVolume(volumeId: string, sizeGiB: number): Promise<void> {
    await this.#faults.before('extendVolume');
    const volume = this.#volume(volumeId);
    if (volume.sizeGiB >= sizeGiB) return;
    if (!['available', 'inUse'].includes(volume.state))
      throw new BrokerError('sandbox.conflict', `volume ${volumeId} is ${volume.state}`);
    this.#state.mutate((data) => {
      const used = Object.values(data.volumes)
        .filter((v) => this.#live(v))
        .reduce((sum, v) => sum + v.sizeGiB, 0);
      if (used - volume.sizeGiB + sizeGiB > sandboxSettingsOf(this.#target).capacity.volumeGiB)
        throw new BrokerError('sandbox.capacity', `target ${this.#target.id} has no room for ${sizeGiB} GiB`);
      volume.sizeGiB = sizeGiB;
    });
    this.#faults.after('extendVolume');
  }

  /**
   * Like Cinder's retype: the volume shows `retyping` for a while, attached or not, then its state before;
   * the new type shows at once. Any type name is accepted (the simulation has no list of types).
   */
  async retypeVolume(volumeId: string, volumeType: string): Promise<void> {
    await this.#faults.before('retypeVolume');
    const volume = this.#volume(volumeId);
    if ((volume.volumeType ?? SANDBOX_DEFAULT_VOLUME_TYPE) === volumeType) return;
    if (volume.state !== 'available' && volume.state !== 'inUse')
      throw new BrokerError('sandbox.conflict', `volume ${volumeId} is ${volume.state}`);
    this.#state.mutate(() => {
      volume.volumeType = volumeType;
      volume.pending = { to: volume.state, at: this.#now() + this.#ms() };
      volume.state = 'retyping';
    });
    this.#faults.after('retypeVolume');
  }

  async createSnapshot(volumeId: string, input: { brokerId: string; name: string }): Promise<CloudSnapshot> {
    await this.#faults.before('createSnapshot');
    const volume = this.#volume(volumeId);
    const existing = Object.values(this.#state.data.snapshots).find((s) => s.brokerId === input.brokerId);
    if (existing) return snapshotView(existing);
    const snapshot = this.#state.mutate((data) => {
      const created: SandboxSnapshot = {
        id: randomUUID(),
        brokerId: input.brokerId,
        volumeId: volume.id,
        name: input.name,
        sizeGiB: volume.sizeGiB,
        state: 'creating',
        pending: { to: 'available', at: this.#now() + this.#ms() },
      };
      data.snapshots[created.id] = created;
      return created;
    });
    this.#faults.after('createSnapshot');
    return snapshotView(snapshot);
  }

  async findSnapshotByBrokerId(brokerId: string): Promise<CloudSnapshot | undefined> {
    await this.#faults.before('findSnapshotByBrokerId');
    const found = Object.values(this.#state.data.snapshots).find(
      (s) => s.brokerId === brokerId && this.#live(s),
    );
    return found && snapshotView(found);
  }

  async getSnapshot(snapshotId: string): Promise<CloudSnapshot> {
    await this.#faults.before('getSnapshot');
    return snapshotView(this.#snapshot(snapshotId));
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    await this.#faults.before('deleteSnapshot');
    const snapshot = this.#state.data.snapshots[snapshotId];
    if (!snapshot || !this.#live(snapshot) || snapshot.state === 'deleting') return;
    this.#state.mutate(() => {
      snapshot.state = 'deleting';
      snapshot.pending = { to: 'deleted', at: this.#now() + this.#ms() };
    });
    this.#faults.after('deleteSnapshot');
  }

  #volume(volumeId: string): SandboxVolume {
    const volume = this.#state.data.volumes[volumeId];
    if (!volume || !this.#live(volume)) throw new BrokerError('sandbox.notFound', `no volume ${volumeId}`);
    return volume;
  }

  #snapshot(snapshotId: string): SandboxSnapshot {
    const snapshot = this.#state.data.snapshots[snapshotId];
    if (!snapshot || !this.#live(snapshot))
      throw new BrokerError('sandbox.notFound', `no snapshot ${snapshotId}`);
    return snapshot;
  }

  #live(thing: SandboxVolume | SandboxSnapshot): boolean {
    advance(thing, this.#now());
    return thing.state !== 'deleted';
  }

  #ms(): number {
    return sandboxSettingsOf(this.#target).timings.volumeMs;
  }
}

function view(volume: SandboxVolume): CloudVolume {
  return {
    id: volume.id,
    ...(volume.brokerId === undefined ? {} : { brokerId: volume.brokerId }),
    ...(volume.deployment === undefined ? {} : { deployment: volume.deployment }),
    name: volume.name,
    sizeGiB: volume.sizeGiB,
    volumeType: volume.volumeType ?? SANDBOX_DEFAULT_VOLUME_TYPE,
    state: toVolumeState(volume.state),
    rawState: volume.state,
    attachments: volume.attachedTo
      ? [{ serverId: volume.attachedTo, ...(volume.device ? { device: volume.device } : {}) }]
      : [],
    encrypted: true,
  };
}

function snapshotView(snapshot: SandboxSnapshot): CloudSnapshot {
  return {
    id: snapshot.id,
    ...(snapshot.brokerId === undefined ? {} : { brokerId: snapshot.brokerId }),
    volumeId: snapshot.volumeId,
    name: snapshot.name,
    sizeGiB: snapshot.sizeGiB,
    state: toSnapshotState(snapshot.state),
    rawState: snapshot.state,
  };
}
