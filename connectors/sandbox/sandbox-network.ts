import { randomUUID } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type {
  CloudPublicAddress,
  CloudSecurityGroup,
  CloudSecurityRule,
  CloudTenantNetwork,
  NetworkService,
  SecurityRuleInput,
} from '../../core/ports/cloud/network.ts';
import type { SandboxFaults } from './sandbox-faults.ts';
import type { SandboxPublicAddress, SandboxSecurityGroup, SandboxState } from './sandbox-state.ts';
import { SandboxTenantNetworks } from './sandbox-tenant-networks.ts';

/** Simulated security groups: the same idempotency rules as Neutron and EC2 (identical rule → same rule). */
export class SandboxNetwork implements NetworkService {
  readonly #state: SandboxState;
  readonly #faults: SandboxFaults;
  readonly #tenantNetworks: SandboxTenantNetworks;

  /** `routed`: tenant networks get a router to the provider network, as on an on-prem (Neutron) target. */
  constructor(state: SandboxState, faults: SandboxFaults, options: { routed: boolean } = { routed: true }) {
    this.#state = state;
    this.#faults = faults;
    this.#tenantNetworks = new SandboxTenantNetworks(state, faults, options);
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

  async ensureSecurityGroup(input: {
    brokerId: string;
    name: string;
    description: string;
  }): Promise<CloudSecurityGroup> {
    await this.#faults.before('ensureSecurityGroup');
    const group = this.#state.mutate((data) => {
      const existing = Object.values(data.securityGroups).find((g) => g.brokerId === input.brokerId);
      if (existing) return existing;
      const created: SandboxSecurityGroup = { id: randomUUID(), ...input, rules: [] };
      data.securityGroups[created.id] = created;
      return created;
    });
    return view(group);
  }

  async getSecurityGroup(groupId: string): Promise<CloudSecurityGroup> {
    await this.#faults.before('getSecurityGroup');
    return view(this.#group(groupId));
  }

  async deleteSecurityGroup(groupId: string): Promise<void> {
    await this.#faults.before('deleteSecurityGroup');
    const inUse = Object.values(this.#state.data.servers).some(
      (s) => s.state !== 'deleted' && s.securityGroups.includes(groupId),
    );
    if (inUse) throw new BrokerError('sandbox.conflict', `security group ${groupId} is in use`);
    this.#state.mutate((data) => delete data.securityGroups[groupId]);
  }

  async addRule(groupId: string, rule: SecurityRuleInput): Promise<CloudSecurityRule> {
    await this.#faults.before('addRule');
    const group = this.#group(groupId);
    const same = group.rules.find(
      (r) =>
        r.direction === rule.direction &&
        r.protocol === rule.protocol &&
        r.port === rule.port &&
        (r.portTo ?? r.port) === (rule.portTo ?? rule.port) &&
        r.remoteCidr === rule.remoteCidr &&
        r.remoteGroupId === rule.remoteGroupId,
    );
    if (same) return { ...same } as CloudSecurityRule;
    const created = { id: randomUUID(), ...rule };
    this.#state.mutate(() => group.rules.push(created));
    return created;
  }

  async removeRule(groupId: string, ruleId: string): Promise<void> {
    await this.#faults.before('removeRule');
    const group = this.#state.data.securityGroups[groupId];
    if (!group) return;
    this.#state.mutate(() => {
      group.rules = group.rules.filter((r) => r.id !== ruleId);
    });
  }

  async attachSecurityGroup(serverId: string, groupId: string): Promise<void> {
    await this.#faults.before('attachSecurityGroup');
    this.#group(groupId);
    const server = this.#state.data.servers[serverId];
    if (!server || server.state === 'deleted')
      throw new BrokerError('sandbox.notFound', `no server ${serverId}`);
    if (!server.securityGroups.includes(groupId))
      this.#state.mutate(() => server.securityGroups.push(groupId));
  }

  async detachSecurityGroup(serverId: string, groupId: string): Promise<void> {
    await this.#faults.before('detachSecurityGroup');
    const server = this.#state.data.servers[serverId];
    if (!server) return;
    this.#state.mutate(() => {
      server.securityGroups = server.securityGroups.filter((g) => g !== groupId);
    });
  }

  async allocatePublicAddress(serverId: string, brokerId: string): Promise<CloudPublicAddress> {
    await this.#faults.before('allocatePublicAddress');
    const server = this.#state.data.servers[serverId];
    if (!server || server.state === 'deleted')
      throw new BrokerError('sandbox.notFound', `no server ${serverId}`);
    const address = this.#state.mutate((data) => {
      let found = Object.values(data.publicAddresses).find((a) => a.brokerId === brokerId);
      if (!found) {
        const n = data.nextPublicAddress++;
        if (n > 254) throw new BrokerError('sandbox.quotaExceeded', 'no public addresses left');
        found = { id: randomUUID(), ip: `198.51.100.${n}`, brokerId };
        data.publicAddresses[found.id] = found;
      }
      found.serverId = serverId;
      return found;
    });
    return publicView(address);
  }

  async releasePublicAddress(addressId: string): Promise<void> {
    await this.#faults.before('releasePublicAddress');
    this.#state.mutate((data) => delete data.publicAddresses[addressId]);
  }

  async *listPublicAddresses(): AsyncIterable<CloudPublicAddress> {
    await this.#faults.before('listPublicAddresses');
    const { servers, publicAddresses } = this.#state.data;
    // Like a floating IP whose port went with its server: still allocated, no longer associated.
    for (const address of Object.values(publicAddresses)) {
      const server = address.serverId === undefined ? undefined : servers[address.serverId];
      const live = server !== undefined && server.state !== 'deleted';
      yield publicView(address, live);
    }
  }

  #group(groupId: string): SandboxSecurityGroup {
    const group = this.#state.data.securityGroups[groupId];
    if (!group) throw new BrokerError('sandbox.notFound', `no security group ${groupId}`);
    return group;
  }
}

function view(group: SandboxSecurityGroup): CloudSecurityGroup {
  return {
    id: group.id,
    name: group.name,
    ...(group.brokerId === undefined ? {} : { brokerId: group.brokerId }),
    rules: group.rules.map((r) => ({ ...r }) as CloudSecurityRule),
  };
}

function publicView(address: SandboxPublicAddress, associated = true): CloudPublicAddress {
  return { id: address.id, ip: address.ip, brokerId: address.brokerId, associated };
}
