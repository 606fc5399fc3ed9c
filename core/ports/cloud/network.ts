/** Security groups and their rules (Neutron, EC2). Links program rules here; deleting a link removes them. */
export interface CloudSecurityGroup {
  id: string;
  name: string;
  brokerId?: string;
  rules: CloudSecurityRule[];
}

export interface SecurityRuleInput {
  direction: 'ingress' | 'egress';
  protocol: 'tcp' | 'udp' | 'icmp';
  /** The port, or the first port of a range; ignored for icmp. */
  port?: number;
  /** The last port of a range (absent: `port` alone); ignored for icmp. */
  portTo?: number;
  /** Exactly one of remoteCidr and remoteGroupId; an IPv4 or IPv6 network (IPv6: ethertype/Ipv6Ranges). */
  remoteCidr?: string;
  remoteGroupId?: string;
}

export interface CloudSecurityRule extends SecurityRuleInput {
  id: string;
}

export interface NetworkService extends PublicAddressService, TenantNetworkService {
  /** Finds the group carrying this broker id, or creates it. */
  ensureSecurityGroup(input: {
    brokerId: string;
    name: string;
    description: string;
  }): Promise<CloudSecurityGroup>;
  getSecurityGroup(groupId: string): Promise<CloudSecurityGroup>;
  /** Idempotent. */
  deleteSecurityGroup(groupId: string): Promise<void>;
  /** Idempotent on an identical rule: returns the existing rule. */
  addRule(groupId: string, rule: SecurityRuleInput): Promise<CloudSecurityRule>;
  /** Idempotent. */
  removeRule(groupId: string, ruleId: string): Promise<void>;
  attachSecurityGroup(serverId: string, groupId: string): Promise<void>;
  detachSecurityGroup(serverId: string, groupId: string): Promise<void>;
}

/**
 * A public address the broker allocated for one of its VMs: a Neutron floating IP, an EC2 Elastic IP.
 * The broker's VM id travels with it (Neutron description, EC2 tag) so that a retry finds it again (I4)
 * and the reconciler can tell a leaked one (its VM deleted or unknown).
 */
export interface CloudPublicAddress {
  /** The cloud's id of the allocation (floating IP UUID, `eipalloc-…`). */
  id: string;
  ip: string;
  /** The broker's VM id it was allocated for. */
  brokerId?: string;
  /** Whether it is associated with a server (a server's delete leaves it allocated, unassociated). */
  associated: boolean;
}

/** Public addresses, a capability of the network service (floating IPs, Elastic IPs). */
export interface PublicAddressService {
  /**
   * Allocates a public address for the broker's VM `brokerId` and associates it with the server.
   * Idempotent on `brokerId`: an address already allocated for it is reused (and associated).
   */
  allocatePublicAddress(serverId: string, brokerId: string): Promise<CloudPublicAddress>;
  /** Disassociates and releases the address. Idempotent: releasing one already gone succeeds. */
  releasePublicAddress(addressId: string): Promise<void>;
  /** Every public address on the target that carries a broker VM id (for the reconciler's sweep). */
  listPublicAddresses(): AsyncIterable<CloudPublicAddress>;
}

/**
 * A tenant network as the cloud holds it: on OpenStack a Neutron network with one subnet and a router to
 * the provider network; on AWS one subnet of the target's VPC (its route table reaches the internet gateway).
 */
export interface CloudTenantNetwork {
  /** What a server joins: the Neutron network id, or the EC2 subnet id. */
  id: string;
  subnetId: string;
  /** The Neutron router (OpenStack only). */
  routerId?: string;
  cidr: string;
  /** The broker's network id, carried by every piece (name, description or tag). */
  brokerId: string;
  /** Every piece is there (OpenStack: the router joined to the subnet); a crash may leave it partial. */
  complete: boolean;
}

/** Tenant networks, a capability of the network service. */
export interface TenantNetworkService {
  /**
   * Creates the network and its subnet (and router) for `brokerId`. Idempotent on `brokerId`: pieces an
   * earlier attempt made are found and completed, never made twice. Refuses a cidr the cloud cannot hold
   * (`invalidRequest`) leaving nothing behind.
   */
  ensureTenantNetwork(input: { brokerId: string; name: string; cidr: string }): Promise<CloudTenantNetwork>;
  /** The network made for `brokerId`, or undefined when the cloud has none. */
  findTenantNetwork(brokerId: string): Promise<CloudTenantNetwork | undefined>;
  /**
   * Removes every piece made for `brokerId` (router interface, router, subnet, network). Idempotent: a
   * network already gone succeeds. Refused (`conflict`) while a server still uses it.
   */
  deleteTenantNetwork(brokerId: string): Promise<void>;
  /** Every tenant network the broker made on this target (the reconciler tells them from foreign ones). */
  listTenantNetworks(): AsyncIterable<CloudTenantNetwork>;
}
