import type { CloudImage, ImageState } from '../../core/ports/cloud/images.ts';
import type { OpenStackSession } from './session.ts';
import { query, seg } from './session.ts';

/** Glance v2 images: list, get, create + upload, delete. https://docs.openstack.org/api-ref/image/v2/ */

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export interface CreateImageInput {
  name: string;
  diskFormat: string;
  containerFormat: string;
  visibility?: 'private' | 'shared' | 'community' | 'public';
  /** Extra properties (string values), e.g. the broker id. */
  properties?: Record<string, string>;
}

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const imagesPath = (params: Record<string, string | number | undefined> = {}) =>
  `/images${query(params)}`;
export const imagePath = (id: string) => `/images/${seg(id)}`;
export const imageFilePath = (id: string) => `/images/${seg(id)}/file`;

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class Glance {
  readonly #s: OpenStackSession;
  readonly #pageSize: number;

  constructor(session: OpenStackSession, options: { pageSize?: number } = {}) {
    this.#s = session;
    this.#pageSize = options.pageSize ?? 500;
  }

  async getImage(id: string): Promise<GlanceImage> {
    return this.#s.json<GlanceImage>('image', {
      method: 'GET',
      path: imagePath(id),
      op: 'glance.getImage',
      accept: [200],
    });
  }

  /**
   * All pages. Filters are Glance's: `name`, `status`, and any custom property by its name — Glance
   * treats unknown query parameters as property filters, which is how the broker id is found.
   */
  listImages(filters: Record<string, string | undefined> = {}): AsyncIterable<GlanceImage> {
    return this.#s.paginate<GlanceImage, { images: GlanceImage[]; next?: string }>(
      'image',
      {
        method: 'GET',
        path: imagesPath({ ...filters, limit: this.#pageSize }),
        op: 'glance.listImages',
        accept: [200],
      },
      (b) => ({ items: b.images, ...(b.next ? { next: b.next } : {}) }),
    );
  }

  /** 201, status `queued` until data arrives. Not retried (POST); callers look up by property first. */
  async createImage(input: CreateImageInput): Promise<GlanceImage> {
    return this.#s.json<GlanceImage>('image', {
      method: 'POST',
      path: imagesPath(),
      op: 'glance.createImage',
      accept: [201],
      json: {
        name: input.name,
        disk_format: input.diskFormat,
        container_format: input.containerFormat,
        visibility: input.visibility ?? 'private',
        ...input.properties,
      },
    });
  }

  /**
   * JSON-patch update (`add`/`replace`/`remove` of properties); the media type is Glance's own.
   * https://docs.openstack.org/api-ref/image/v2/#update-image
   */
  async updateImage(
    id: string,
    patch: { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }[],
  ): Promise<GlanceImage> {
    const r = await this.#s.request('image', {
      method: 'PATCH',
      path: imagePath(id),
      op: 'glance.updateImage',
      accept: [200],
      headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
      body: JSON.stringify(patch),
    });
    return r.json<GlanceImage>();
  }

  /** 204 once stored; the image becomes `active`. PUT of the same bytes may be repeated until then. */
  async uploadImage(id: string, data: Uint8Array): Promise<void> {
    await this.#s.request('image', {
      method: 'PUT',
      path: imageFilePath(id),
      op: 'glance.uploadImage',
      accept: [204],
      headers: { 'Content-Type': 'application/octet-stream' },
      body: data,
      // A second PUT after a stored first one is a 409, not a duplicate; treat it as unsafe anyway.
      idempotent: false,
    });
  }

  /** The image's bytes (200); an image without data answers 204. */
  async downloadImage(id: string): Promise<Uint8Array> {
    const r = await this.#s.request('image', {
      method: 'GET',
      path: imageFilePath(id),
      op: 'glance.downloadImage',
      accept: [200, 204],
    });
    return r.bytes;
  }

  /** 204; 404 means already gone. */
  async deleteImage(id: string): Promise<void> {
    await this.#s.request('image', {
      method: 'DELETE',
      path: imagePath(id),
      op: 'glance.deleteImage',
      accept: [204, 404],
    });
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface GlanceImage {
  id: string;
  name: string | null;
  status: string;
  size?: number | null;
  visibility?: string;
  owner?: string;
  created_at?: string;
  disk_format?: string | null;
  container_format?: string | null;
  /** Custom properties appear as top-level string fields. */
  [property: string]: unknown;
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
/** Image property carrying the broker's image id (set through Nova's createImage metadata). */
export const BROKER_IMAGE_KEY = 'hcb:image';

export function toCloudImage(image: GlanceImage): CloudImage {
  const view: CloudImage = {
    id: image.id,
    name: image.name ?? '',
    state: toImageState(image.status),
    rawState: image.status,
  };
  const brokerId = image[BROKER_IMAGE_KEY];
  if (typeof brokerId === 'string') view.brokerId = brokerId;
  if (typeof image.size === 'number') view.sizeBytes = image.size;
  return view;
}

// ── state map ──────────────────────────────────────────────────────────────────────────────────────
/** https://docs.openstack.org/glance/latest/user/statuses.html */
const STATUS: Record<string, ImageState> = {
  queued: 'pending',
  saving: 'pending',
  uploading: 'pending',
  importing: 'pending',
  active: 'available',
  killed: 'error',
  pending_delete: 'deleting',
  deleted: 'deleted',
};

/** `deactivated` (admin-blocked) and anything new is `unknown`. */
export const toImageState = (status: string): ImageState => STATUS[status] ?? 'unknown';
