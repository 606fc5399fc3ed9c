import type { Classification } from '../classification.ts';
import type { TargetRef } from './target.ts';

export const BUCKET_STATUSES = ['pending', 'active', 'deleting', 'deleted', 'error'] as const;
export type BucketStatus = (typeof BUCKET_STATUSES)[number];

/**
 * Object storage: a Swift container on-prem or an S3 bucket in AWS. The broker keeps no object keys or
 * bytes (I2): clients read and write through presigned / TempURL links.
 */
export interface Bucket {
  id: string;
  tenant: string;
  name: string;
  classification: Classification;
  region?: string;
  tags: Record<string, string>;
  status: BucketStatus;
  placement?: TargetRef;
  /** The bucket's name in its cloud (derived from the id: globally unique for S3). */
  cloudName: string;
  operationId: string;
  activeOperationId?: string;
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export type BucketView = Omit<Bucket, 'tenant' | 'activeOperationId' | 'cloudName'>;

export function toBucketView(bucket: Bucket): BucketView {
  const { tenant: _t, activeOperationId: _a, cloudName: _c, ...view } = bucket;
  return view;
}

/** Presigned links live at most this long; phi links shorter still. */
export const PRESIGN_MAX_SECONDS = 3600;
export const PRESIGN_MAX_SECONDS_PHI = 900;
