import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { type Handler, stubSend } from '../../test/support/stub-aws-send.ts';
import { awsSettings } from './aws-settings.ts';
import { encryptionRule, S3ObjectStorage } from './s3.ts';

/**
 * An S3Client configured as aws-provider.ts configures it, whose `send` answers from handlers (no network).
 * Presigning is offline, so the URLs are the real ones.
 */
function storage(handlers: Record<string, Handler>, connection: Target['connection'] = {}) {
  const s3 = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const calls = stubSend(s3, handlers);
  const target = { region: 'us-east-1', connection, id: 't' } as Target;
  return {
    s: new S3ObjectStorage(s3, awsSettings(target, {}), () => Date.parse('2026-01-01T00:00:00Z')),
    calls,
  };
}

const awsError = (code: string, status = 400) =>
  Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } });
const ok = () => ({});

describe('S3ObjectStorage.createBucket', () => {
  const puts = {
    PutPublicAccessBlock: ok,
    PutBucketEncryption: ok,
    PutBucketVersioning: ok,
    PutBucketTagging: ok,
  };

  it('creates a private, encrypted, versioned, tagged bucket', async () => {
    const { s, calls } = storage({ CreateBucket: ok, ...puts });
    expect(await s.createBucket({ brokerId: 'bkt-1', name: 'hcb-bkt-1', tags: {} })).toEqual({
      name: 'hcb-bkt-1',
      brokerId: 'bkt-1',
      encrypted: true,
      versioning: true,
    });
    expect(calls.map((c) => c.action)).toEqual([
      'CreateBucket',
      'PutPublicAccessBlock',
      'PutBucketEncryption',
      'PutBucketVersioning',
      'PutBucketTagging',
    ]);
    expect(calls[0]!.input.CreateBucketConfiguration).toBeUndefined(); // us-east-1 takes no location constraint
  });

  it('is idempotent on a bucket it already owns, and refuses one that belongs to another broker resource', async () => {
    const mine = storage({
      CreateBucket: () => Promise.reject(awsError('BucketAlreadyOwnedByYou', 409)),
      GetBucketTagging: () => ({ TagSet: [{ Key: 'hcb:bucket', Value: 'bkt-1' }] }),
      ...puts,
    });
    await expect(mine.s.createBucket({ brokerId: 'bkt-1', name: 'n', tags: {} })).resolves.toMatchObject({
      name: 'n',
    });
    const theirs = storage({
      CreateBucket: () => Promise.reject(awsError('BucketAlreadyOwnedByYou', 409)),
      GetBucketTagging: () => ({ TagSet: [{ Key: 'hcb:bucket', Value: 'bkt-2' }] }),
    });
    await expect(theirs.s.createBucket({ brokerId: 'bkt-1', name: 'n', tags: {} })).rejects.toMatchObject({
      code: 'aws.conflict',
    });
  });

  it('uses SSE-KMS with the target key when one is configured', () => {
    const settings = awsSettings(
      { region: 'us-east-1', connection: { kmsKeyId: 'alias/hcb' }, id: 't' } as unknown as Target,
      {},
    );
    expect(encryptionRule(settings).ApplyServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: 'alias/hcb',
    });
  });
});

describe('S3ObjectStorage.presign', () => {
  it('signs PUT and GET links with only the host header and no checksum, with the expiry it reports', async () => {
    const { s } = storage({ HeadBucket: ok });
    for (const method of ['PUT', 'GET'] as const) {
      const link = await s.presign({ bucket: 'b', key: 'dir/x.bin', method, expiresInSeconds: 300 });
      const url = new URL(link.url);
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(link.url).not.toMatch(/checksum/i);
      expect(link).toMatchObject({ method, headers: {}, expiresAt: '2026-01-01T00:05:00.000Z' });
    }
  });

  it('refuses lifetimes outside the bound and empty keys, before signing', async () => {
    const { s, calls } = storage({ HeadBucket: ok }, { maxPresignSeconds: 600 });
    for (const expiresInSeconds of [0, 601, 1.5])
      await expect(
        s.presign({ bucket: 'b', key: 'k', method: 'GET', expiresInSeconds }),
      ).rejects.toMatchObject({ code: 'aws.invalidRequest' });
    await expect(
      s.presign({ bucket: 'b', key: '', method: 'GET', expiresInSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'aws.invalidRequest' });
    expect(calls).toHaveLength(0);
  });

  it('says notFound for a missing bucket', async () => {
    const { s } = storage({ HeadBucket: () => Promise.reject(awsError('NotFound', 404)) });
    await expect(
      s.presign({ bucket: 'b', key: 'k', method: 'GET', expiresInSeconds: 60 }),
    ).rejects.toMatchObject({ code: 'aws.notFound' });
  });
});

describe('S3ObjectStorage.deleteBucket', () => {
  it('refuses a non-empty bucket unless forced, and is idempotent when the bucket is absent', async () => {
    const full = storage({ DeleteBucket: () => Promise.reject(awsError('BucketNotEmpty', 409)) });
    await expect(full.s.deleteBucket('b', { force: false })).rejects.toMatchObject({ code: 'aws.conflict' });
    const absent = storage({
      DeleteBucket: () => Promise.reject(awsError('NoSuchBucket', 404)),
      ListObjectVersions: () => Promise.reject(awsError('NoSuchBucket', 404)),
    });
    await expect(absent.s.deleteBucket('b', { force: false })).resolves.toBeUndefined();
    await expect(absent.s.deleteBucket('b', { force: true })).resolves.toBeUndefined();
  });

  it('when forced, deletes every version and delete marker across pages, then the bucket', async () => {
    const pages = [
      {
        IsTruncated: true,
        NextKeyMarker: 'k2',
        NextVersionIdMarker: 'v2',
        Versions: [{ Key: 'k1', VersionId: 'v1' }],
        DeleteMarkers: [{ Key: 'k1', VersionId: 'm1' }],
      },
      { IsTruncated: false, Versions: [{ Key: 'k2', VersionId: 'v2' }] },
    ];
    const { s, calls } = storage({
      ListObjectVersions: () => pages.shift(),
      DeleteObjects: () => ({}),
      DeleteBucket: ok,
    });
    await s.deleteBucket('b', { force: true });
    const deleted = calls
      .filter((c) => c.action === 'DeleteObjects')
      .flatMap((c) => (c.input.Delete as { Objects: unknown[] }).Objects);
    expect(deleted).toEqual([
      { Key: 'k1', VersionId: 'v1' },
      { Key: 'k1', VersionId: 'm1' },
      { Key: 'k2', VersionId: 'v2' },
    ]);
    expect(calls[2]!.input).toMatchObject({ KeyMarker: 'k2', VersionIdMarker: 'v2' });
    expect(calls.at(-1)!.action).toBe('DeleteBucket');
  });

  it('reports per-object failures by count and code, never by key', async () => {
    const { s } = storage({
      ListObjectVersions: () => ({
        IsTruncated: false,
        Versions: [{ Key: 'patients/jane.pdf', VersionId: 'v1' }],
      }),
      DeleteObjects: () => ({ Errors: [{ Key: 'patients/jane.pdf', Code: 'AccessDenied' }] }),
    });
    const error = await s.deleteBucket('b', { force: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'aws.conflict', details: { codes: ['AccessDenied'] } });
    expect(
      JSON.stringify({ m: (error as Error).message, d: (error as { details: unknown }).details }),
    ).not.toContain('jane');
  });
});

describe('S3ObjectStorage.getBucket', () => {
  it('reads encryption, versioning and the broker id; a bucket without default encryption is not encrypted', async () => {
    const { s } = storage({
      HeadBucket: ok,
      GetBucketEncryption: () =>
        Promise.reject(awsError('ServerSideEncryptionConfigurationNotFoundError', 404)),
      GetBucketVersioning: () => ({ Status: 'Suspended' }),
      GetBucketTagging: () => Promise.reject(awsError('NoSuchTagSet', 404)),
    });
    expect(await s.getBucket('b')).toEqual({ name: 'b', encrypted: false, versioning: false });
  });
});
