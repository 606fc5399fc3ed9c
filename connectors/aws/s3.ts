import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BrokerError } from '../../core/errors.ts';
import type {
  CloudBucket,
  ObjectStorageService,
  PresignedRequest,
  PresignInput,
} from '../../core/ports/cloud/object-storage.ts';
import { awsCall, awsCallOrAbsent, hasAwsCode } from './aws-errors.ts';
import { type AwsSettings, TAG, tagValue, toTags } from './aws-settings.ts';

/** Default encryption: SSE-KMS with the target's key when it names one, SSE-S3 otherwise. */
export function encryptionRule(settings: AwsSettings): ServerSideEncryptionRule {
  return settings.kmsKeyId
    ? {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: settings.kmsKeyId },
        BucketKeyEnabled: true,
      }
    : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } };
}

/** S3 allows at most 1,000 keys per DeleteObjects. */
const DELETE_BATCH = 1000;

/**
 * S3 buckets: private (public access block), encrypted by default, versioned; object bytes move only
 * through presigned links (I2). The client must be built with request and response checksums
 * `WHEN_REQUIRED` (aws-provider.ts does): by default the SDK signs a CRC32 of the empty body into presigned
 * PUTs and an `x-amz-checksum-mode` header into presigned GETs, which a plain client request with the real
 * bytes then does not match (https://github.com/aws/aws-sdk-js-v3/issues/6810).
 */
export class S3ObjectStorage implements ObjectStorageService {
  readonly #s3: S3Client;
  readonly #settings: AwsSettings;
  readonly #now: () => number;

  constructor(s3: S3Client, settings: AwsSettings, now: () => number = Date.now) {
    this.#s3 = s3;
    this.#settings = settings;
    this.#now = now;
  }

  /** Idempotent on the name; every protective setting is (re)applied, so a retry completes a partial create. */
  async createBucket(input: {
    brokerId: string;
    name: string;
    tags: Record<string, string>;
  }): Promise<CloudBucket> {
    const Bucket = input.name;
    const region = this.#settings.region;
    try {
      await awsCall('CreateBucket', () =>
        this.#s3.send(
          new CreateBucketCommand({
            Bucket,
            ObjectOwnership: 'BucketOwnerEnforced',
            // us-east-1 is the one region that must not be named as a location constraint.
            ...(region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
          }),
        ),
      );
    } catch (error) {
      if (!hasAwsCode(error, 'BucketAlreadyOwnedByYou')) throw error;
      const owner = tagValue(await this.#tags(Bucket), TAG.bucket);
      if (owner !== undefined && owner !== input.brokerId)
        throw new BrokerError('aws.conflict', 'the bucket name belongs to another broker resource', {
          cause: error,
        });
    }
    await awsCall('PutPublicAccessBlock', () =>
      this.#s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      ),
    );
    await awsCall('PutBucketEncryption', () =>
      this.#s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: { Rules: [encryptionRule(this.#settings)] },
        }),
      ),
    );
    await awsCall('PutBucketVersioning', () =>
      this.#s3.send(
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      ),
    );
    const TagSet = toTags({ [TAG.bucket]: input.brokerId }, input.tags);
    await awsCall('PutBucketTagging', () =>
      this.#s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet } })),
    );
    return { name: Bucket, brokerId: input.brokerId, encrypted: true, versioning: true };
  }

  async getBucket(name: string): Promise<CloudBucket> {
    await awsCall('HeadBucket', () => this.#s3.send(new HeadBucketCommand({ Bucket: name })));
    const [encryption, versioning, tags] = await Promise.all([
      awsCallOrAbsent('GetBucketEncryption', () =>
        this.#s3.send(new GetBucketEncryptionCommand({ Bucket: name })),
      ).catch(absentConfig),
      awsCall('GetBucketVersioning', () => this.#s3.send(new GetBucketVersioningCommand({ Bucket: name }))),
      this.#tags(name),
    ]);
    const bucket: CloudBucket = {
      name,
      encrypted: (encryption?.ServerSideEncryptionConfiguration?.Rules ?? []).some(
        (r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      ),
      versioning: versioning.Status === 'Enabled',
    };
    const brokerId = tagValue(tags, TAG.bucket);
    if (brokerId !== undefined) bucket.brokerId = brokerId;
    return bucket;
  }

  /** Refuses a bucket that holds anything (`aws.conflict`) unless forced; then every version goes first. */
  async deleteBucket(name: string, options: { force: boolean }): Promise<void> {
    if (options.force) {
      const emptied = await this.#deleteAllVersions(name);
      if (!emptied) return;
    }
    await awsCallOrAbsent('DeleteBucket', () => this.#s3.send(new DeleteBucketCommand({ Bucket: name })));
  }

  async presign(input: PresignInput): Promise<PresignedRequest> {
    const seconds = input.expiresInSeconds;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > this.#settings.maxPresignSeconds)
      throw new BrokerError(
        'aws.invalidRequest',
        `expiresInSeconds must be an integer in 1..${this.#settings.maxPresignSeconds}`,
      );
    if (input.key.length === 0 || Buffer.byteLength(input.key) > 1024)
      throw new BrokerError('aws.invalidRequest', 'object keys are 1 to 1024 bytes long');
    // A link to a bucket that does not exist would only fail later, at the client: say so now.
    await awsCall('HeadBucket', () => this.#s3.send(new HeadBucketCommand({ Bucket: input.bucket })));
    const params = { Bucket: input.bucket, Key: input.key };
    const command = input.method === 'PUT' ? new PutObjectCommand(params) : new GetObjectCommand(params);
    const signedAt = this.#now();
    const url = await awsCall('Presign', () => getSignedUrl(this.#s3, command, { expiresIn: seconds }));
    return {
      url,
      method: input.method,
      expiresAt: new Date(signedAt + seconds * 1000).toISOString(),
      headers: {},
    };
  }

  /** Deletes every object version and delete marker, a page at a time; false when the bucket is absent. */
  async #deleteAllVersions(Bucket: string): Promise<boolean> {
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await awsCallOrAbsent('ListObjectVersions', () =>
        this.#s3.send(
          new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker, MaxKeys: DELETE_BATCH }),
        ),
      );
      if (!page) return false;
      const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
        .filter((v) => v.Key !== undefined)
        .map((v) => ({ Key: v.Key!, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }));
      for (let i = 0; i < objects.length; i += DELETE_BATCH) {
        const batch = objects.slice(i, i + DELETE_BATCH);
        const out = await awsCall('DeleteObjects', () =>
          this.#s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch, Quiet: true } })),
        );
        // Per-object failures name the keys: count them, never echo them (I2).
        if (out.Errors?.length)
          throw new BrokerError('aws.conflict', `S3 refused to delete ${out.Errors.length} object versions`, {
            details: { codes: [...new Set(out.Errors.map((e) => e.Code))] },
          });
      }
      if (!page.IsTruncated) return true;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
  }

  async #tags(Bucket: string) {
    try {
      return (await awsCall('GetBucketTagging', () => this.#s3.send(new GetBucketTaggingCommand({ Bucket }))))
        .TagSet;
    } catch (error) {
      if (hasAwsCode(error, 'NoSuchTagSet', 'NoSuchTagSetError')) return [];
      throw error;
    }
  }
}

/** A bucket without default encryption answers an error rather than an empty configuration. */
function absentConfig(error: unknown): undefined {
  if (hasAwsCode(error, 'ServerSideEncryptionConfigurationNotFoundError')) return undefined;
  throw error;
}
