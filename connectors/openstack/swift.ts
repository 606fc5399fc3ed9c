import type { OpenStackSession } from './session.ts';
import { query, seg } from './session.ts';
import { encodeObject } from './swift-tempurl.ts';

/**
 * Swift: account metadata, containers and objects. https://docs.openstack.org/api-ref/object-store/
 * Swift speaks headers, not JSON: metadata is `X-<Type>-Meta-*`, counts come back on HEAD.
 */

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export interface ContainerInput {
  /** `X-Container-Meta-<name>` values (ASCII; the caller encodes anything else). */
  meta?: Record<string, string>;
}

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const accountPath = () => '';
export const containerPath = (container: string, params: Record<string, string | number | undefined> = {}) =>
  `/${seg(container)}${query(params)}`;
export const objectPath = (container: string, object: string) => `/${seg(container)}/${encodeObject(object)}`;

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class Swift {
  readonly #s: OpenStackSession;
  readonly #pageSize: number;

  constructor(session: OpenStackSession, options: { pageSize?: number } = {}) {
    this.#s = session;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** The storage URL (`…/v1/AUTH_<project>`) from the catalog, for TempURLs. */
  storageUrl(): Promise<string> {
    return this.#s.endpoint('object-store');
  }

  /** HEAD account: 204 (or 200) with `X-Account-Meta-*`. */
  async accountMeta(): Promise<Headers> {
    const r = await this.#s.request('object-store', {
      method: 'HEAD',
      path: accountPath(),
      op: 'swift.headAccount',
      accept: [200, 204],
    });
    return r.headers;
  }

  /** POST account metadata: 204. Setting a value is idempotent, so it may be retried. */
  async setAccountMeta(headers: Record<string, string>): Promise<void> {
    await this.#s.request('object-store', {
      method: 'POST',
      path: accountPath(),
      op: 'swift.setAccountMeta',
      accept: [204],
      headers,
      idempotent: true,
    });
  }

  /** PUT container: 201 created, 202 already there (metadata updated). */
  async putContainer(container: string, input: ContainerInput = {}): Promise<void> {
    await this.#s.request('object-store', {
      method: 'PUT',
      path: containerPath(container),
      op: 'swift.putContainer',
      accept: [201, 202],
      headers: metaHeaders('Container', input.meta),
    });
  }

  /** HEAD container: 204 with counts and metadata; 404 → notFound. */
  async headContainer(container: string): Promise<SwiftContainerInfo> {
    const r = await this.#s.request('object-store', {
      method: 'HEAD',
      path: containerPath(container),
      op: 'swift.headContainer',
      accept: [200, 204],
    });
    return toContainerInfo(container, r.headers);
  }

  /** DELETE container: 204; 404 when already gone; 409 while it holds objects. */
  async deleteContainer(container: string): Promise<void> {
    await this.#s.request('object-store', {
      method: 'DELETE',
      path: containerPath(container),
      op: 'swift.deleteContainer',
      accept: [204, 404],
    });
  }

  /** Object names, all pages (marker-based: Swift has no links, the last name is the next marker). */
  async *listObjects(container: string): AsyncIterable<SwiftObject> {
    let marker: string | undefined;
    for (;;) {
      const r = await this.#s.request('object-store', {
        method: 'GET',
        path: containerPath(container, { format: 'json', limit: this.#pageSize, marker }),
        op: 'swift.listObjects',
        accept: [200, 204],
      });
      const page = r.bytes.length === 0 ? [] : r.json<SwiftObject[]>();
      yield* page;
      if (page.length < this.#pageSize) return;
      marker = page[page.length - 1]!.name;
    }
  }

  /** PUT object: 201. Replacing an object with the same bytes is idempotent. */
  async putObject(
    container: string,
    object: string,
    data: Uint8Array,
    headers: Record<string, string> = {},
  ): Promise<void> {
    await this.#s.request('object-store', {
      method: 'PUT',
      path: objectPath(container, object),
      op: 'swift.putObject',
      accept: [201],
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
      body: data,
    });
  }

  /** GET object: the bytes, or undefined on 404. */
  async getObject(container: string, object: string): Promise<Uint8Array | undefined> {
    const r = await this.#s.request('object-store', {
      method: 'GET',
      path: objectPath(container, object),
      op: 'swift.getObject',
      accept: [200, 404],
      headers: { Accept: '*/*' },
    });
    return r.status === 404 ? undefined : r.bytes;
  }

  /** DELETE object: 204; 404 when already gone. */
  async deleteObject(container: string, object: string): Promise<void> {
    await this.#s.request('object-store', {
      method: 'DELETE',
      path: objectPath(container, object),
      op: 'swift.deleteObject',
      accept: [204, 404],
    });
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface SwiftObject {
  name: string;
  bytes: number;
  hash: string;
  last_modified: string;
}

export interface SwiftContainerInfo {
  name: string;
  objectCount: number;
  bytesUsed: number;
  /** `X-Container-Meta-*`, keys lower-cased without the prefix. */
  meta: Record<string, string>;
  versioned: boolean;
  readAcl?: string;
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
export function metaHeaders(
  type: 'Account' | 'Container' | 'Object',
  meta: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(meta)) out[`X-${type}-Meta-${key}`] = value;
  return out;
}

export function toContainerInfo(name: string, headers: Headers): SwiftContainerInfo {
  const meta: Record<string, string> = {};
  headers.forEach((value, key) => {
    if (key.startsWith('x-container-meta-')) meta[key.slice('x-container-meta-'.length)] = value;
  });
  const readAcl = headers.get('x-container-read');
  return {
    name,
    objectCount: Number(headers.get('x-container-object-count') ?? 0),
    bytesUsed: Number(headers.get('x-container-bytes-used') ?? 0),
    meta,
    versioned:
      headers.has('x-versions-location') ||
      headers.has('x-history-location') ||
      headers.get('x-versions-enabled') === 'true',
    ...(readAcl ? { readAcl } : {}),
  };
}
