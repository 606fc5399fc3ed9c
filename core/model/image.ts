import type { Classification } from '../classification.ts';
import type { TargetRef } from './target.ts';

export const IMAGE_STATUSES = ['pending', 'available', 'deleting', 'deleted', 'error'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/**
 * An image the broker made: a snapshot of a VM, or a copy of another image on another target. It is
 * classified at least as high as its source (taint), and a VM booted from it at least as high again.
 */
export interface Image {
  id: string;
  tenant: string;
  name: string;
  classification: Classification;
  status: ImageStatus;
  placement: TargetRef;
  cloudId?: string;
  source: { kind: 'vm'; vmId: string } | { kind: 'image'; imageId: string };
  operationId: string;
  activeOperationId?: string;
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export type ImageView = Omit<Image, 'tenant' | 'cloudId' | 'activeOperationId'>;

export function toImageView(image: Image): ImageView {
  const { tenant: _t, cloudId: _c, activeOperationId: _a, ...view } = image;
  return view;
}
