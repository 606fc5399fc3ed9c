import type { Classification } from '../classification.ts';
import type { TargetRef } from './target.ts';

/** The contract's VM statuses (docs/design.md, API v1). */
export const VM_STATUSES = [
  'pending',
  'building',
  'active',
  'stopped',
  'paused',
  'resizing',
  'error',
  'deleting',
  'deleted',
] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

export const VM_ACTIONS = [
  'start',
  'stop',
  'reboot',
  'pause',
  'unpause',
  'resize',
  'snapshot',
  'console',
  'migrate',
] as const;
export type VmActionType = (typeof VM_ACTIONS)[number];
/** The actions the worker carries out as an operation; `console` answers at once and has none. */
export type VmActionOperationKind = `vm.${Exclude<VmActionType, 'console'>}`;

/**
 * Where the VM's user data lives. It is never kept in the control plane for `phi` VMs (I2): it is
 * stashed on an on-prem target and only its hash is recorded here.
 */
export type PayloadRef =
  | { storedIn: 'control-plane'; sha256: string; data: string }
  | { storedIn: 'target'; sha256: string; targetId: string; key: string };

/** A public address the broker allocated for a VM: the cloud's allocation id, and the address. */
export interface VmPublicAddress {
  /** Floating IP UUID (Neutron), allocation id (EC2), … on the VM's target. */
  id: string;
  ip: string;
}

/** An address as clients see it: fixed addresses are `private`, floating / Elastic IPs `public`. */
export interface VmAddressView {
  ip: string;
  type: 'private' | 'public';
}

export interface Vm {
  id: string;
  tenant: string;
  name: string;
  size: string;
  image: string;
  classification: Classification;
  /** The region the client wished for, if any. */
  region?: string;
  tags: Record<string, string>;
  /**
   * Designated by an admin of its tenant (PUT /v1/vms/{id}/service-endpoint) as a declared way into its
   * site: what flow policy reads as `resource.serviceEndpoint`. Never taken from the VM's tags.
   */
  serviceEndpoint?: boolean;
  status: VmStatus;
  /** What the broker is doing to it right now (`starting`, `stopping`, …), like Nova's task_state. */
  task?: string;
  placement?: TargetRef;
  /** The id the cloud gave the server; absent until provisioned. */
  cloudId?: string;
  /** Fixed (private) addresses, as the cloud reports them. */
  addresses: string[];
  /** The tenant networks it joined at create (`net-…`); absent: the target's default network. */
  networks?: string[];
  /** Public addresses allocated through POST /v1/vms/{id}/addresses (released on delete). */
  publicAddresses?: VmPublicAddress[];
  userData?: PayloadRef;
  /** The last operation started on this VM. */
  operationId: string;
  /** Set while an operation runs; a second mutating action is refused meanwhile. */
  activeOperationId?: string;
  /** A short, PHI-free reason when status is `error`. */
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

/** The VM as clients see it (no internal bookkeeping such as payload locations). */
export interface VmView {
  id: string;
  name: string;
  size: string;
  image: string;
  classification: Classification;
  region?: string;
  tags: Record<string, string>;
  serviceEndpoint: boolean;
  status: VmStatus;
  task?: string;
  placement?: TargetRef;
  addresses: VmAddressView[];
  /** The tenant networks it joined; absent: its target's default network. */
  networks?: string[];
  hasUserData: boolean;
  operationId: string;
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export function toVmView(vm: Vm): VmView {
  const view: VmView = {
    id: vm.id,
    name: vm.name,
    size: vm.size,
    image: vm.image,
    classification: vm.classification,
    tags: vm.tags,
    serviceEndpoint: vm.serviceEndpoint === true,
    status: vm.status,
    addresses: [
      ...vm.addresses.map((ip) => ({ ip, type: 'private' as const })),
      ...(vm.publicAddresses ?? []).map(({ ip }) => ({ ip, type: 'public' as const })),
    ],
    hasUserData: vm.userData !== undefined,
    operationId: vm.operationId,
    createdAt: vm.createdAt,
    updatedAt: vm.updatedAt,
  };
  if (vm.region !== undefined) view.region = vm.region;
  if (vm.task !== undefined) view.task = vm.task;
  if (vm.placement !== undefined) view.placement = vm.placement;
  if (vm.fault !== undefined) view.fault = vm.fault;
  if (vm.networks !== undefined) view.networks = vm.networks;
  return view;
}
