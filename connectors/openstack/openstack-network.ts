import { isBrokerError } from '../../core/errors.ts';
import type {
  CloudPublicAddress,
  CloudSecurityGroup,
  CloudSecurityRule,
  CloudTenantNetwork,
  NetworkService,
  SecurityRuleInput,
} from '../../core/ports/cloud/network.ts';
import type { Neutron, NeutronPort } from './neutron.ts';
import type { NeutronSecurityGroup, NeutronSecurityGroups } from './neutron-security-groups.ts';
import {
  brokerTag,
  sameRule,
  tagSafe,
  toCloudRule,
  toCloudSecurityGroup,
  toRuleBody,
} from './neutron-security-groups.ts';
import { openstackError } from './openstack-errors.ts';
import { OpenStackPublicAddresses } from './openstack-public-addresses.ts';
import { OpenStackTenantNetworks } from './openstack-tenant-networks.ts';

/** Marker in a group's description: survives a crash between create and tag (Zed takes no tags on create). */
const marker = (brokerId: string) => `[hcb:${brokerId}]`;

/**
 * NetworkService on Neutron. Groups are attached to a server by updating its ports (not Nova's
 * addSecurityGroup): Neutron is the source of truth, and `If-Match` on the port's revision makes the
 * read-modify-write safe against a concurrent change.
 */
export class OpenStackNetwork implements NetworkService {
  readonly #neutron: Neutron;
  readonly #groups: NeutronSecurityGroups;
  readonly #public: OpenStackPublicAddresses;
  readonly #tenantNetworks: OpenStackTenantNetworks;

  constructor(clients: {
    neutron: Neutron;
    securityGroups: NeutronSecurityGroups;
    publicNetworkId: () => Promise<string>;
  }) {
    this.#neutron = clients.neutron;
    this.#groups = clients.securityGroups;
    this.#public = new OpenStackPublicAddresses(clients.neutron, clients.publicNetworkId);
    this.#tenantNetworks = new OpenStackTenantNetworks(clients.neutron, clients.publicNetworkId);
  }

  ensureTenantNetwork(input: { brokerId: string; name: string; cidr: string }): Promise<CloudTenantNetwork> {
    return this.#tenantNetworks.ensureTenantNetwork(input);
  }

  findTenantNetwork(brokerId: string): Promise<CloudTenantNetwork | undefined> {
    return this.#tenantNetworks.findTenantNetwork(brokerId);
  }

  deleteTenantNetwork(brokerId: string): Promise<void> {
    return this.#tenantNetworks.deleteTenantNetwork(brokerId);
  }

  listTenantNetworks(): AsyncIterable<CloudTenantNetwork> {
    return this.#tenantNetworks.listTenantNetworks();
  }

  allocatePublicAddress(serverId: string, brokerId: string): Promise<CloudPublicAddress> {
    return this.#public.allocatePublicAddress(serverId, brokerId);
  }

  releasePublicAddress(addressId: string): Promise<void> {
    return this.#public.releasePublicAddress(addressId);
  }

  listPublicAddresses(): AsyncIterable<CloudPublicAddress> {
    return this.#public.listPublicAddresses();
  }

  async ensureSecurityGroup(input: {
    brokerId: string;
    name: string;
    description: string;
  }): Promise<CloudSecurityGroup> {
    const tag = brokerTag(input.brokerId);
    if (!tagSafe(tag))
      throw openstackError('invalidRequest', 'broker id too long for a Neutron tag (60 characters)');
    for await (const g of this.#groups.list({ tags: tag })) return toCloudSecurityGroup(g);
    // A group from an attempt that crashed before tagging: same name, our marker, no tag yet.
    let group: NeutronSecurityGroup | undefined;
    for await (const g of this.#groups.list({ name: input.name }))
      if (g.description.endsWith(marker(input.brokerId))) group = g;
    group ??= await this.#groups.create({
      name: input.name,
      description: `${input.description} ${marker(input.brokerId)}`.slice(-255),
    });
    await this.#groups.addTag(group.id, tag);
    return toCloudSecurityGroup({ ...group, tags: [...(group.tags ?? []), tag] });
  }

  async getSecurityGroup(groupId: string): Promise<CloudSecurityGroup> {
    return toCloudSecurityGroup(await this.#groups.get(groupId));
  }

  /** 409 while a port still uses the group: surfaced as `conflict` (retryable) for the caller to wait. */
  async deleteSecurityGroup(groupId: string): Promise<void> {
    await this.#groups.delete(groupId);
  }

  async addRule(groupId: string, rule: SecurityRuleInput): Promise<CloudSecurityRule> {
    if ((rule.remoteCidr === undefined) === (rule.remoteGroupId === undefined))
      throw openstackError('invalidRequest', 'a rule needs exactly one of remoteCidr and remoteGroupId');
    const existing = await this.#findRule(groupId, rule);
    if (existing) return existing;
    try {
      const created = toCloudRule(await this.#groups.createRule(toRuleBody(groupId, rule)));
      if (!created) throw openstackError('invalidRequest', 'Neutron stored a rule the broker cannot express');
      return created;
    } catch (error) {
      // SecurityGroupRuleExists: someone added it meanwhile — return theirs.
      if (!isBrokerError(error, 'conflict')) throw error;
      const raced = await this.#findRule(groupId, rule);
      if (raced) return raced;
      throw error;
    }
  }

  async removeRule(_groupId: string, ruleId: string): Promise<void> {
    await this.#groups.deleteRule(ruleId);
  }

  attachSecurityGroup(serverId: string, groupId: string): Promise<void> {
    return this.#updatePorts(
      serverId,
      (groups) => (groups.includes(groupId) ? undefined : [...groups, groupId]),
      true,
    );
  }

  detachSecurityGroup(serverId: string, groupId: string): Promise<void> {
    return this.#updatePorts(
      serverId,
      (groups) => (groups.includes(groupId) ? groups.filter((g) => g !== groupId) : undefined),
      false,
    );
  }

  async #findRule(groupId: string, rule: SecurityRuleInput): Promise<CloudSecurityRule | undefined> {
    return (await this.getSecurityGroup(groupId)).rules.find((r) => sameRule(r, rule));
  }

  /**
   * Applies `change` to the security groups of each of the server's ports (undefined = nothing to do),
   * re-reading a port whose revision moved under us (412).
   */
  async #updatePorts(
    serverId: string,
    change: (groups: string[]) => string[] | undefined,
    needPorts: boolean,
  ): Promise<void> {
    const ports: NeutronPort[] = [];
    for await (const p of this.#neutron.listPorts({ device_id: serverId })) ports.push(p);
    if (ports.length === 0 && needPorts)
      throw openstackError('conflict', 'server has no network ports to carry a security group', {
        details: { serverId },
      });
    for (let port of ports) {
      for (let attempt = 1; ; attempt++) {
        const next = change(port.security_groups);
        if (next === undefined) break;
        try {
          await this.#neutron.updatePort(port.id, { security_groups: next }, port.revision_number);
          break;
        } catch (error) {
          const precondition = isBrokerError(error) && error.details?.status === 412;
          if (!precondition || attempt >= 5) throw error;
          const fresh: NeutronPort[] = [];
          for await (const p of this.#neutron.listPorts({ id: port.id })) fresh.push(p);
          if (!fresh[0]) break; // the port went away with its server
          port = fresh[0];
        }
      }
    }
  }
}
