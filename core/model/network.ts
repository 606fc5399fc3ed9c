import type { Classification } from '../classification.ts';
import type { TargetRef } from './target.ts';

export const NETWORK_STATUSES = ['pending', 'active', 'deleting', 'deleted', 'error'] as const;
export type NetworkStatus = (typeof NETWORK_STATUSES)[number];

/**
 * A tenant network with one subnet on its target: on OpenStack a Neutron network, subnet and router to the
 * provider network; on AWS a VPC subnet. Placed by policy like any resource (a phi network only on-prem).
 */
export interface Network {
  id: string;
  tenant: string;
  name: string;
  classification: Classification;
  /** The subnet's range (IPv4, CIDR notation, canonical). */
  cidr: string;
  region?: string;
  tags: Record<string, string>;
  status: NetworkStatus;
  placement?: TargetRef;
  operationId: string;
  activeOperationId?: string;
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export type NetworkView = Omit<Network, 'tenant' | 'activeOperationId'>;

export function toNetworkView(network: Network): NetworkView {
  const { tenant: _t, activeOperationId: _a, ...view } = network;
  return view;
}
