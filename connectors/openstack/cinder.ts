import type {
  CloudSnapshot,
  CloudVolume,
  SnapshotState,
  VolumeState,
} from '../../core/ports/cloud/block-storage.ts';
import { DEPLOYMENT_TAG } from '../../core/ports/cloud/compute.ts';
import type { HttpResponse } from './http.ts';
import type { OpenStackSession, ServiceRequest } from './session.ts';
import { nextLink, query, seg } from './session.ts';

/**
 * Cinder v3 volumes and snapshots. https://docs.openstack.org/api-ref/block-storage/v3/
 *
 * Microversion 3.66 (Xena) is pinned and sent on every call: it snapshots an in-use volume without the
 * `force` flag (the broker snapshots attached volumes) and includes 3.60's time-comparison filters on
 * `created_at`/`updated_at`; it is above 3.42, from which `os-extend` grows an in-use (attached) volume
 * online (https://docs.openstack.org/api-ref/block-storage/v3/#extend-a-volume-size). Volumes and snapshots are found by broker id with the `metadata` list filter,
 * which Cinder's default resource_filters.json allows to every user
 * (https://docs.openstack.org/cinder/latest/admin/generalized-filters.html).
 * Zed offers up to 3.70. https://docs.openstack.org/cinder/latest/contributor/api_microversion_history.html
 */
export const CINDER_MICROVERSION = '3.66';

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export interface CreateVolumeBody {
  size: number;
  name: string;
  metadata: Record<string, string>;
  snapshot_id?: string;
  volume_type?: string;
}

export interface CreateSnapshotBody {
  volume_id: string;
  name: string;
  metadata: Record<string, string>;
}

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const volumesPath = () => '/volumes';
export const volumePath = (id: string) => `/volumes/${seg(id)}`;
export const volumeActionPath = (id: string) => `/volumes/${seg(id)}/action`;
export const volumesDetailPath = (params: Record<string, string | number | undefined>) =>
  `/volumes/detail${query(params)}`;
export const snapshotsPath = () => '/snapshots';
export const snapshotPath = (id: string) => `/snapshots/${seg(id)}`;
export const snapshotsDetailPath = (params: Record<string, string | number | undefined>) =>
  `/snapshots/detail${query(params)}`;
/** Cinder's metadata filter is a JSON object in one query parameter. */
export const metadataFilter = (metadata: Record<string, string>) => JSON.stringify(metadata);

export const cinderHeaders = (): Record<string, string> => ({
  'OpenStack-API-Version': `volume ${CINDER_MICROVERSION}`,
});

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class Cinder {
  readonly #s: OpenStackSession;
  readonly #pageSize: number;

  constructor(session: OpenStackSession, options: { pageSize?: number } = {}) {
    this.#s = session;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** Every Cinder request goes through here, so none can miss the microversion header. */
  request(req: ServiceRequest): Promise<HttpResponse> {
    return this.#s.request('block-storage', { ...req, headers: { ...cinderHeaders(), ...req.headers } });
  }

  async json<T>(req: ServiceRequest): Promise<T> {
    return (await this.request(req)).json<T>();
  }

  /** The project's absolute limits and usage (`GET /limits`; -1: unlimited). */
  async getLimits(): Promise<CinderAbsoluteLimits> {
    const body = await this.json<{ limits: { absolute: CinderAbsoluteLimits } }>({
      method: 'GET',
      path: '/limits',
      op: 'cinder.getLimits',
      accept: [200],
    });
    return body.limits.absolute;
  }

  /** 202, status `creating`. Not retried (POST): lookup by broker id first (I4). */
  async createVolume(volume: CreateVolumeBody): Promise<CinderVolume> {
    const body = await this.json<{ volume: CinderVolume }>({
      method: 'POST',
      path: volumesPath(),
      op: 'cinder.createVolume',
      accept: [202],
      json: { volume },
    });
    return body.volume;
  }

  async getVolume(id: string): Promise<CinderVolume> {
    return (
      await this.json<{ volume: CinderVolume }>({
        method: 'GET',
        path: volumePath(id),
        op: 'cinder.getVolume',
        accept: [200],
      })
    ).volume;
  }

  listVolumes(filters: Record<string, string | undefined> = {}): AsyncIterable<CinderVolume> {
    return this.#s.paginate<
      CinderVolume,
      { volumes: CinderVolume[]; volumes_links?: { rel: string; href: string }[] }
    >(
      'block-storage',
      {
        method: 'GET',
        path: volumesDetailPath({ ...filters, limit: this.#pageSize }),
        op: 'cinder.listVolumes',
        accept: [200],
        headers: cinderHeaders(),
      },
      (b) => ({ items: b.volumes, next: nextLink(b.volumes_links) }),
    );
  }

  /**
   * 202; 404 when already gone. Cinder answers 400 (not 409) when the status forbids deleting
   * (in-use, or already deleting) — the caller reads the volume to tell which.
   */
  async deleteVolume(id: string): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: volumePath(id),
      op: 'cinder.deleteVolume',
      accept: [202, 404],
    });
  }

  /**
   * 202, status `extending` until done. 400 when the volume's status forbids it or `new_size` is not larger;
   * the caller reads the volume first, so a repeat of a done extend never reaches here.
   */
  async extendVolume(id: string, newSize: number): Promise<void> {
    await this.request({
      method: 'POST',
      path: volumeActionPath(id),
      op: 'cinder.extendVolume',
      accept: [202],
      json: { 'os-extend': { new_size: newSize } },
    });
  }

  /**
   * 202, status `retyping` until done, then the volume's status before. `migration_policy: on-demand` lets
   * Cinder migrate the volume when the new type lives on another backend of this cloud (it stays within
   * this Cinder either way); 400 when the volume's status forbids it or the type is unknown.
   * https://docs.openstack.org/api-ref/block-storage/v3/#retype-a-volume
   */
  async retypeVolume(id: string, newType: string): Promise<void> {
    await this.request({
      method: 'POST',
      path: volumeActionPath(id),
      op: 'cinder.retypeVolume',
      accept: [202],
      json: { 'os-retype': { new_type: newType, migration_policy: 'on-demand' } },
    });
  }

  async createSnapshot(snapshot: CreateSnapshotBody): Promise<CinderSnapshot> {
    const body = await this.json<{ snapshot: CinderSnapshot }>({
      method: 'POST',
      path: snapshotsPath(),
      op: 'cinder.createSnapshot',
      accept: [202],
      json: { snapshot },
    });
    return body.snapshot;
  }

  async getSnapshot(id: string): Promise<CinderSnapshot> {
    return (
      await this.json<{ snapshot: CinderSnapshot }>({
        method: 'GET',
        path: snapshotPath(id),
        op: 'cinder.getSnapshot',
        accept: [200],
      })
    ).snapshot;
  }

  listSnapshots(filters: Record<string, string | undefined> = {}): AsyncIterable<CinderSnapshot> {
    return this.#s.paginate<
      CinderSnapshot,
      { snapshots: CinderSnapshot[]; snapshots_links?: { rel: string; href: string }[] }
    >(
      'block-storage',
      {
        method: 'GET',
        path: snapshotsDetailPath({ ...filters, limit: this.#pageSize }),
        op: 'cinder.listSnapshots',
        accept: [200],
        headers: cinderHeaders(),
      },
      (b) => ({ items: b.snapshots, next: nextLink(b.snapshots_links) }),
    );
  }

  async deleteSnapshot(id: string): Promise<void> {
    await this.request({
      method: 'DELETE',
      path: snapshotPath(id),
      op: 'cinder.deleteSnapshot',
      accept: [202, 404],
    });
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface CinderVolume {
  id: string;
  name: string | null;
  size: number;
  status: string;
  metadata?: Record<string, string>;
  attachments?: { server_id: string; device?: string; attachment_id?: string }[];
  encrypted?: boolean;
  /** The volume type's name (`__DEFAULT__` when none was asked for). */
  volume_type?: string | null;
  created_at?: string;
}

export interface CinderSnapshot {
  id: string;
  name: string | null;
  volume_id: string;
  size: number;
  status: string;
  metadata?: Record<string, string>;
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
export const BROKER_VOLUME_KEY = 'hcb:volume';
export const BROKER_SNAPSHOT_KEY = 'hcb:snapshot';

export function toCloudVolume(volume: CinderVolume): CloudVolume {
  const view: CloudVolume = {
    id: volume.id,
    name: volume.name ?? '',
    sizeGiB: volume.size,
    state: toVolumeState(volume.status),
    rawState: volume.status,
    attachments: (volume.attachments ?? []).map((a) => ({
      serverId: a.server_id,
      ...(a.device ? { device: a.device } : {}),
    })),
  };
  const brokerId = volume.metadata?.[BROKER_VOLUME_KEY];
  if (brokerId !== undefined) view.brokerId = brokerId;
  const deployment = volume.metadata?.[DEPLOYMENT_TAG];
  if (deployment !== undefined) view.deployment = deployment;
  if (volume.encrypted !== undefined) view.encrypted = volume.encrypted;
  if (volume.volume_type) view.volumeType = volume.volume_type;
  return view;
}

export function toCloudSnapshot(snapshot: CinderSnapshot): CloudSnapshot {
  const view: CloudSnapshot = {
    id: snapshot.id,
    volumeId: snapshot.volume_id,
    name: snapshot.name ?? '',
    sizeGiB: snapshot.size,
    state: toSnapshotState(snapshot.status),
    rawState: snapshot.status,
  };
  const brokerId = snapshot.metadata?.[BROKER_SNAPSHOT_KEY];
  if (brokerId !== undefined) view.brokerId = brokerId;
  return view;
}

// ── state maps ─────────────────────────────────────────────────────────────────────────────────────
/** https://docs.openstack.org/api-ref/block-storage/v3/#volumes-volumes */
const VOLUME_STATUS: Record<string, VolumeState> = {
  creating: 'creating',
  available: 'available',
  reserved: 'attaching',
  attaching: 'attaching',
  'in-use': 'inUse',
  detaching: 'detaching',
  deleting: 'deleting',
  deleted: 'deleted',
  error: 'error',
  error_deleting: 'error',
  error_extending: 'error',
  error_restoring: 'error',
  error_managing: 'error',
};

/** maintenance, extending (the size shows once done), retyping, backing-up, downloading, awaiting-transfer, … are `unknown`. */
export const toVolumeState = (status: string): VolumeState => VOLUME_STATUS[status] ?? 'unknown';

const SNAPSHOT_STATUS: Record<string, SnapshotState> = {
  creating: 'creating',
  available: 'available',
  deleting: 'deleting',
  deleted: 'deleted',
  error: 'error',
  error_deleting: 'error',
};

export const toSnapshotState = (status: string): SnapshotState => SNAPSHOT_STATUS[status] ?? 'unknown';

/** Cinder's absolute limits (-1: unlimited). */
export interface CinderAbsoluteLimits {
  maxTotalVolumes: number;
  maxTotalVolumeGigabytes: number;
  maxTotalSnapshots: number;
  totalVolumesUsed?: number;
  totalGigabytesUsed?: number;
  totalSnapshotsUsed?: number;
}
