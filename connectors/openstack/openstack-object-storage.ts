import { randomBytes } from 'node:crypto';
import { isBrokerError } from '../../core/errors.ts';
import type {
  CloudBucket,
  ObjectStorageService,
  PresignedRequest,
  PresignInput,
} from '../../core/ports/cloud/object-storage.ts';
import { openstackError } from './openstack-errors.ts';
import type { Swift, SwiftContainerInfo } from './swift.ts';
import { signTempUrl } from './swift-tempurl.ts';

/** Container metadata carrying the broker's bucket id (`X-Container-Meta-Hcb-Bucket`). */
const BUCKET_META = 'hcb-bucket';
const TAGS_META = 'hcb-tags';
/** How long a read Temp-URL-Key is trusted before it is read again (another broker may have rotated it). */
const KEY_TTL_MS = 5 * 60_000;

/**
 * ObjectStorageService on Swift. The broker signs TempURLs (HMAC-SHA256) with the account's
 * Temp-URL-Key and the client's bytes go straight to Swift (I2). The key is made once if the account has
 * none: 32 random bytes, stored only in the account's metadata (never in the control plane's stores).
 */
export class OpenStackObjectStorage implements ObjectStorageService {
  readonly #swift: Swift;
  readonly #now: () => number;
  #key: { value: string; readAt: number } | undefined;
  #pendingKey: Promise<string> | undefined;

  constructor(swift: Swift, now: () => number = Date.now) {
    this.#swift = swift;
    this.#now = now;
  }

  /** PUT is idempotent on the name (201 new, 202 existing); no read ACL, so the container is private. */
  async createBucket(input: {
    brokerId: string;
    name: string;
    tags: Record<string, string>;
  }): Promise<CloudBucket> {
    validName(input.name);
    const meta: Record<string, string> = { [BUCKET_META]: input.brokerId };
    if (Object.keys(input.tags).length > 0) meta[TAGS_META] = encodeURIComponent(JSON.stringify(input.tags));
    await this.#swift.putContainer(input.name, { meta });
    return this.getBucket(input.name);
  }

  async getBucket(name: string): Promise<CloudBucket> {
    validName(name);
    return toBucket(await this.#swift.headContainer(name));
  }

  /**
   * Swift refuses to delete a non-empty container with 409, which is the contract's `conflict`. Forced:
   * objects go first (listed and deleted page by page), then the container.
   */
  async deleteBucket(name: string, options: { force: boolean }): Promise<void> {
    validName(name);
    if (options.force) {
      try {
        // Re-list until empty: container listings may lag behind deletes on a replicated cluster.
        for (let round = 0; round < 10; round++) {
          const batch: string[] = [];
          for await (const o of this.#swift.listObjects(name)) batch.push(o.name);
          if (batch.length === 0) break;
          await inParallel(batch, 8, (object) => this.#swift.deleteObject(name, object));
        }
      } catch (error) {
        if (isBrokerError(error, 'notFound')) return;
        throw error;
      }
    }
    await this.#swift.deleteContainer(name);
  }

  async presign(input: PresignInput): Promise<PresignedRequest> {
    validName(input.bucket);
    if (!input.key) throw openstackError('invalidRequest', 'an object key is required');
    if (!Number.isInteger(input.expiresInSeconds) || input.expiresInSeconds <= 0)
      throw openstackError('invalidRequest', 'expiresInSeconds must be a positive integer');
    // The bucket must exist on this target (notFound otherwise), as the sandbox and S3 connectors answer.
    await this.#swift.headContainer(input.bucket);
    const [key, storageUrl] = await Promise.all([this.#tempUrlKey(), this.#swift.storageUrl()]);
    const expires = Math.floor(this.#now() / 1000) + input.expiresInSeconds;
    return {
      url: signTempUrl({
        storageUrl,
        container: input.bucket,
        object: input.key,
        method: input.method,
        expires,
        key,
      }),
      method: input.method,
      expiresAt: new Date(expires * 1000).toISOString(),
      headers: {},
    };
  }

  /**
   * The account's Temp-URL-Key, set once if absent. After setting it, the key is read back: when two
   * brokers race, the value Swift kept is the one both then sign with.
   */
  async #tempUrlKey(): Promise<string> {
    if (this.#key && this.#now() - this.#key.readAt < KEY_TTL_MS) return this.#key.value;
    this.#pendingKey ??= (async () => {
      let value = (await this.#swift.accountMeta()).get('x-account-meta-temp-url-key');
      if (!value) {
        await this.#swift.setAccountMeta({
          'X-Account-Meta-Temp-URL-Key': randomBytes(32).toString('base64url'),
        });
        value = (await this.#swift.accountMeta()).get('x-account-meta-temp-url-key');
      }
      // Swift shows the key only to the account's owners (operator roles).
      if (!value)
        throw openstackError(
          'unauthorized',
          'swift: the account Temp-URL-Key is not readable with these credentials',
        );
      this.#key = { value, readAt: this.#now() };
      return value;
    })().finally(() => {
      this.#pendingKey = undefined;
    });
    return this.#pendingKey;
  }
}

function toBucket(info: SwiftContainerInfo): CloudBucket {
  const bucket: CloudBucket = {
    name: info.name,
    objectCount: info.objectCount,
    bytesUsed: info.bytesUsed,
    versioning: info.versioned,
  };
  const brokerId = info.meta[BUCKET_META];
  if (brokerId) bucket.brokerId = brokerId;
  return bucket;
}

/** Swift container names: 1–256 bytes, no `/` (https://docs.openstack.org/api-ref/object-store/). */
function validName(name: string): void {
  if (!name || name.includes('/') || Buffer.byteLength(name) > 256)
    throw openstackError('invalidRequest', 'container names are 1–256 bytes without "/"');
}

async function inParallel<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
