/**
 * Object storage (Swift containers, S3 buckets). The broker never carries object bytes: it hands out
 * presigned / TempURL links and the client talks to the store directly (I2).
 */
export interface CloudBucket {
  /** The cloud's bucket/container name (derived from the broker id; unique per target). */
  name: string;
  brokerId?: string;
  objectCount?: number;
  bytesUsed?: number;
  encrypted?: boolean;
  versioning?: boolean;
}

export interface PresignInput {
  bucket: string;
  key: string;
  method: 'PUT' | 'GET';
  expiresInSeconds: number;
}

export interface PresignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  expiresAt: string;
  /** Headers the client must send with the request (if any). */
  headers: Record<string, string>;
}

export interface ObjectStorageService {
  /** Creates the bucket if absent (idempotent on the name). */
  createBucket(input: { brokerId: string; name: string; tags: Record<string, string> }): Promise<CloudBucket>;
  getBucket(name: string): Promise<CloudBucket>;
  /** Refuses (`*.conflict`) when the bucket holds objects, unless forced. Idempotent when absent. */
  deleteBucket(name: string, options: { force: boolean }): Promise<void>;
  presign(input: PresignInput): Promise<PresignedRequest>;
}

/**
 * A small private store on the target for free-form payloads the control plane must not keep (user data
 * of `phi` VMs, I2). On-prem targets implement it; others may not.
 */
export interface PayloadStore {
  put(key: string, data: Uint8Array): Promise<void>;
  /** Undefined when absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Idempotent. */
  delete(key: string): Promise<void>;
}
