import type { CloudProvider } from './provider.ts';

/** Images (Glance images, AMIs): the catalogue's logical images and the snapshots the broker takes. */
export const IMAGE_STATES = ['pending', 'available', 'deleting', 'deleted', 'error', 'unknown'] as const;
export type ImageState = (typeof IMAGE_STATES)[number];

export interface CloudImage {
  id: string;
  name: string;
  brokerId?: string;
  state: ImageState;
  rawState: string;
  sizeBytes?: number;
}

export interface CopyImageInput {
  /** The broker's id of the copy, stored in its metadata/tags (lookup before create). */
  brokerId: string;
  name: string;
}

export interface ImageService {
  getImage(imageId: string): Promise<CloudImage>;
  /** The image carrying this broker id, if any (lookup before copying again). */
  findImageByBrokerId?(brokerId: string): Promise<CloudImage | undefined>;
  /**
   * Copies an image of another target of the same cloud kind into this one (EC2 CopyImage across regions,
   * Glance download/upload, …); offered where the provider declares the `imageCopy` capability.
   */
  copyImageFrom?(source: CloudProvider, imageId: string, input: CopyImageInput): Promise<{ imageId: string }>;
  listImages(): AsyncIterable<CloudImage>;
  /** Idempotent. */
  deleteImage(imageId: string): Promise<void>;
}
