import type { Link } from '../model/link.ts';
import type { Page, PageRequest } from './repositories.ts';

export type LinkPatch = Partial<Pick<Link, 'status' | 'programmed'>> & { fault?: string | null };

export interface LinkRepository {
  create(link: Link): Promise<void>;
  get(tenant: string, id: string): Promise<Link | undefined>;
  list(
    tenant: string,
    filter: { vmId?: string; includeDeleted?: boolean },
    page: PageRequest,
  ): Promise<Page<Link>>;
  update(tenant: string, id: string, patch: LinkPatch): Promise<Link>;
}
