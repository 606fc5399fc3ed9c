import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AuditAnchor, ChainHead } from '../../core/ports/audit-log.ts';

/** Sequence numbers count down in keys, so the newest head is the first key S3 lists. */
const MAX_SEQ = 10 ** 13 - 1;
const KEY = /\/\d{13}-(\d{1,13})-([0-9a-f]{64})$/;

/**
 * The audit anchor on AWS: one write-once object per head in an S3 bucket with Object Lock (compliance
 * mode, default retention), so no one — the broker's role included — can delete or overwrite a head once
 * written. The key carries the head (`<chain>/<countdown>-<seq>-<hash>`): the newest head is one
 * ListObjectsV2 with MaxKeys 1.
 */
export class S3AuditAnchor implements AuditAnchor {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(s3: S3Client, bucket: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
  }

  async record(chain: string, head: ChainHead): Promise<void> {
    const countdown = String(MAX_SEQ - head.seq).padStart(13, '0');
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: `${encodeURIComponent(chain)}/${countdown}-${head.seq}-${head.hash}`,
          Body: `${head.seq} ${head.hash}\n`,
          ContentType: 'text/plain',
          // Write-once: a retried put of the same head finds it there.
          IfNoneMatch: '*',
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412)
        throw error;
    }
  }

  async latest(chain: string): Promise<ChainHead | undefined> {
    const listed = await this.#s3.send(
      new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: `${encodeURIComponent(chain)}/`, MaxKeys: 1 }),
    );
    const match = KEY.exec(listed.Contents?.[0]?.Key ?? '');
    return match ? { seq: Number(match[1]), hash: match[2]! } : undefined;
  }
}

/** The anchor in `bucket`; an endpoint override (the AWS emulator) serves buckets by path, not by host name. */
export function s3AuditAnchor(region: string, bucket: string): S3AuditAnchor {
  return new S3AuditAnchor(
    new S3Client({ region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) }),
    bucket,
  );
}
