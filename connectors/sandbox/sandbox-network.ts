import { randomUUID } from 'node:crypto';
import { BrokerError } from '../../core/errors.ts';
import type {
  CloudSecurityGroup,
  CloudSecurityRule,
  NetworkService,
  SecurityRuleInput,
} from '../../core/ports/cloud/network.ts';
import type { SandboxFaults } from './sandbox-faults.ts';
import type { SandboxSecurityGroup, SandboxState } from './sandbox-state.ts';

/** Simulated security groups: the same idempotency rules as Neutron and EC2 (identical rule → same rule). */
export class SandboxNetwork implements NetworkService {
  readonly #state: SandboxState;
  readonly #faults: SandboxFaults;

  constructor(state: SandboxState, faults: SandboxFaults) {
    this.#state = state;
    this.#faults = faults;
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
