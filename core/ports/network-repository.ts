import type { Classification } from '../classification.ts';
import type { Network, NetworkStatus } from '../model/network.ts';
import type { Page, PageRequest } from './repositories.ts';

export interface NetworkFilter {
  status?: NetworkStatus;
  classification?: Classification;
  targetId?: string;
  includeDeleted?: boolean;
}

export type NetworkPatch = Partial<Pick<Network, 'status' | 'placement' | 'operationId'>> & {
  fault?: string | null;
  activeOperationId?: string | null;
};

export interface NetworkRepository {
  create(network: Network): Promise<void>;
  get(tenant: string, id: string): Promise<Network | undefined>;
  list(tenant: string, filter: NetworkFilter, page: PageRequest): Promise<Page<Network>>;
  /** Every network not `deleted`, across tenants, a page at a time (the reconciler); eventually consistent. */
  scanLive(): AsyncIterable<Network>;
  update(
    tenant: string,
    id: string,
    patch: NetworkPatch,
    options?: { expectActiveOperation?: string | null },
  ): Promise<Network>;
}
