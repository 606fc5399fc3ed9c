import { describeError } from '../errors.ts';
import type { BucketRepository } from '../ports/bucket-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { Logger } from '../ports/logger.ts';
import type { UsageRepository } from '../ports/usage.ts';
import type { UsageRecord } from './usage-record.ts';

export interface BucketSizeSamplerDeps {
  records: UsageRepository;
  buckets: BucketRepository;
  providers: ProviderRegistry;
  clock: Clock;
  log: Logger;
}

/**
 * Object storage is metered from the stores' own size reports (Swift's `X-Container-Bytes-Used`, the
 * sandbox's sum of object sizes), sampled once per reconcile pass: a bucket whose size changed since its
 * last record gets a new one. Its id counts the bucket's records, so two reconcilers sampling the same
 * change write one record. Stores that report no size (S3 has no cheap one) are not sampled.
 */
export class BucketSizeSampler {
  readonly #d: BucketSizeSamplerDeps;

  constructor(deps: BucketSizeSamplerDeps) {
    this.#d = deps;
  }

  /** One pass; returns how many new sizes it recorded. */
  async sample(): Promise<number> {
    const now = this.#d.clock.now().toISOString();
    const byBucket = new Map<string, UsageRecord[]>();
    for (const record of await this.#d.records.listKindBefore('bucket', now)) {
      const key = `${record.tenant}/${record.resourceId}`;
      byBucket.set(key, [...(byBucket.get(key) ?? []), record]);
    }
    let written = 0;
    for (const records of byBucket.values()) {
      records.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
      const last = records.at(-1)!;
      if (records.some((r) => r.state === 'gone')) continue;
      try {
        const bytes = await this.#sizeOf(last);
        if (bytes === undefined || bytes === last.bytes) continue;
        const appended = await this.#d.records.append({
          ...last,
          id: `${last.resourceId}.size.${records.length}`,
          at: now,
          bytes,
          sampled: true,
        });
        if (appended) written += 1;
      } catch (error) {
        this.#d.log.warn('bucket size not sampled', {
          bucketId: last.resourceId,
          code: describeError(error).code,
        });
      }
    }
    return written;
  }

  async #sizeOf(last: UsageRecord): Promise<number | undefined> {
    const bucket = await this.#d.buckets.get(last.tenant, last.resourceId);
    if (bucket?.status !== 'active' || bucket.placement?.targetId !== last.targetId) return undefined;
    const cloud = await this.#d.providers.get(last.targetId).objectStorage.getBucket(bucket.cloudName);
    return cloud.bytesUsed;
  }
}
