import type { Classification } from '../classification.ts';
import type { Bucket, BucketStatus } from '../model/bucket.ts';
import type { Page, PageRequest } from './repositories.ts';

export interface BucketFilter {
  status?: BucketStatus;
  classification?: Classification;
  targetId?: string;
  includeDeleted?: boolean;
}

export type BucketPatch = Partial<Pick<Bucket, 'status' | 'placement' | 'operationId'>> & {
  fault?: string | null;
  activeOperationId?: string | null;
};

export interface BucketRepository {
  create(bucket: Bucket): Promise<void>;
  get(tenant: string, id: string): Promise<Bucket | undefined>;
  list(tenant: string, filter: BucketFilter, page: PageRequest): Promise<Page<Bucket>>;
  /** Every bucket not `deleted`, across tenants, a page at a time (the reconciler); eventually consistent. */
  scanLive(): AsyncIterable<Bucket>;
  update(
    tenant: string,
    id: string,
    patch: BucketPatch,
    options?: { expectActiveOperation?: string | null },
  ): Promise<Bucket>;
}
