import type { Image } from '../model/image.ts';
import type { Page, PageRequest } from './repositories.ts';

export type ImagePatch = Partial<Pick<Image, 'status' | 'operationId'>> & {
  cloudId?: string | null;
  fault?: string | null;
  activeOperationId?: string | null;
};

export interface ImageRepository {
  create(image: Image): Promise<void>;
  get(tenant: string, id: string): Promise<Image | undefined>;
  list(
    tenant: string,
    filter: { targetId?: string; includeDeleted?: boolean },
    page: PageRequest,
  ): Promise<Page<Image>>;
  update(
    tenant: string,
    id: string,
    patch: ImagePatch,
    options?: { expectActiveOperation?: string | null },
  ): Promise<Image>;
}
