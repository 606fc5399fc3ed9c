import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';
import type {
  CloudBucket,
  ObjectStorageService,
  PresignedRequest,
  PresignInput,
} from '../../core/ports/cloud/object-storage.ts';
import type { SandboxFaults } from './sandbox-faults.ts';
import type { SandboxState } from './sandbox-state.ts';

export interface ObjectRequest {
  method: string;
  bucket: string;
  key: string;
  expires: string | undefined;
  signature: string | undefined;
  body?: Uint8Array;
}

export type ObjectResponse = { status: number; body?: Uint8Array; contentType?: string };

/**
 * Simulated object storage with TempURL-style links: HMAC-SHA256 over method, path and expiry, signed with
 * a per-target key the broker never hands out. The embedded server exposes the simulated store's endpoint;
 * object bytes go there, never through the broker's API (I2).
 */
export class SandboxObjectStorage implements ObjectStorageService {
  readonly #target: Target;
  readonly #state: SandboxState;
  readonly #faults: SandboxFaults;
  readonly #baseUrl: string;
  readonly #now: () => number;

  constructor(
    target: Target,
    state: SandboxState,
    faults: SandboxFaults,
    baseUrl: string,
    now: () => number,
  ) {
    this.#target = target;
    this.#state = state;
    this.#faults = faults;
    this.#baseUrl = baseUrl;
    this.#now = now;
  }

  async createBucket(input: { brokerId: string; name: string }): Promise<CloudBucket> {
    await this.#faults.before('createBucket');
    const bucket = this.#state.mutate((data) => {
      data.buckets[input.name] ??= { name: input.name, brokerId: input.brokerId, objects: {} };
      return data.buckets[input.name]!;
    });
    this.#faults.after('createBucket');
    return view(bucket);
  }

  async getBucket(name: string): Promise<CloudBucket> {
    await this.#faults.before('getBucket');
    return view(this.#bucket(name));
  }

  async deleteBucket(name: string, options: { force: boolean }): Promise<void> {
    await this.#faults.before('deleteBucket');
    const bucket = this.#state.data.buckets[name];
    if (!bucket) return;
    const keys = Object.keys(bucket.objects);
    if (keys.length > 0 && !options.force)
      throw new BrokerError('sandbox.conflict', `bucket holds ${keys.length} objects`);
    this.#state.mutate((data) => {
      for (const key of keys) delete data.objectData[`${name}/${key}`];
      delete data.buckets[name];
    });
    this.#faults.after('deleteBucket');
  }

  async presign(input: PresignInput): Promise<PresignedRequest> {
    await this.#faults.before('presign');
    this.#bucket(input.bucket);
    const expires = Math.floor(this.#now() / 1000) + input.expiresInSeconds;
    const path = this.#path(input.bucket, input.key);
    const signature = this.#sign(input.method, path, expires);
    return {
      url: `${this.#baseUrl}${path}?expires=${expires}&signature=${signature}`,
      method: input.method,
      expiresAt: new Date(expires * 1000).toISOString(),
      headers: {},
    };
  }

  /** The simulated store's endpoint: checks the signature and expiry, then stores or returns the bytes. */
  handle(request: ObjectRequest): ObjectResponse {
    const expires = Number(request.expires);
    const path = this.#path(request.bucket, request.key);
    if (!Number.isInteger(expires) || request.signature === undefined) return { status: 401 };
    const expected = Buffer.from(this.#sign(request.method, path, expires));
    const given = Buffer.from(request.signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { status: 401 };
    if (expires * 1000 < this.#now()) return { status: 401 };
    const bucket = this.#state.data.buckets[request.bucket];
    if (!bucket) return { status: 404 };
    const id = `${request.bucket}/${request.key}`;
    if (request.method === 'PUT') {
      const body = request.body ?? new Uint8Array();
      this.#state.mutate((data) => {
        data.objectData[id] = Buffer.from(body).toString('base64');
        bucket.objects[request.key] = {
          size: body.length,
          etag: createHash('md5').update(body).digest('hex'),
        };
      });
      return { status: 201 };
    }
    const stored = this.#state.data.objectData[id];
    if (stored === undefined) return { status: 404 };
    return { status: 200, body: Buffer.from(stored, 'base64'), contentType: 'application/octet-stream' };
  }

  #path(bucket: string, key: string): string {
    const encodedKey = key.split('/').map(encodeURIComponent).join('/');
    return `/sandbox/objects/${encodeURIComponent(this.#target.id)}/${encodeURIComponent(bucket)}/${encodedKey}`;
  }

  #sign(method: string, path: string, expires: number): string {
    const key =
      this.#state.data.signingKey ??
      this.#state.mutate((data) => (data.signingKey = randomBytes(32).toString('base64url')));
    return createHmac('sha256', key).update(`${method}\n${expires}\n${path}`).digest('hex');
  }

  #bucket(name: string) {
    const bucket = this.#state.data.buckets[name];
    if (!bucket) throw new BrokerError('sandbox.notFound', `no bucket ${name}`);
    return bucket;
  }
}

function view(bucket: {
  name: string;
  brokerId?: string;
  objects: Record<string, { size: number }>;
}): CloudBucket {
  const sizes = Object.values(bucket.objects).map((o) => o.size);
  return {
    name: bucket.name,
    ...(bucket.brokerId === undefined ? {} : { brokerId: bucket.brokerId }),
    objectCount: sizes.length,
    bytesUsed: sizes.reduce((a, b) => a + b, 0),
    encrypted: true,
    versioning: false,
  };
}
