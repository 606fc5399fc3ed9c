import type {
  CloudSecurityGroup,
  CloudSecurityRule,
  SecurityRuleInput,
} from '../../core/ports/cloud/network.ts';
import type { Neutron } from './neutron.ts';
import { query, seg } from './session.ts';

/**
 * Neutron security groups, their rules and tags.
 * https://docs.openstack.org/api-ref/network/v2/#security-groups-security-groups
 */

// ── options ────────────────────────────────────────────────────────────────────────────────────────
export interface CreateSecurityGroupBody {
  name: string;
  description: string;
}

export interface CreateRuleBody {
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string;
  port_range_min?: number | null;
  port_range_max?: number | null;
  remote_ip_prefix?: string;
  remote_group_id?: string;
}

// ── URL builders ───────────────────────────────────────────────────────────────────────────────────
export const securityGroupsPath = (params: Record<string, string | number | undefined> = {}) =>
  `/security-groups${query(params)}`;
export const securityGroupPath = (id: string) => `/security-groups/${seg(id)}`;
export const securityGroupTagPath = (id: string, tag: string) =>
  `/security-groups/${seg(id)}/tags/${seg(tag)}`;
export const rulesPath = () => '/security-group-rules';
export const rulePath = (id: string) => `/security-group-rules/${seg(id)}`;

// ── calls ──────────────────────────────────────────────────────────────────────────────────────────
export class NeutronSecurityGroups {
  readonly #n: Neutron;

  constructor(neutron: Neutron) {
    this.#n = neutron;
  }

  /** Filters: `tags` (all must match), `name`, `project_id`. */
  list(filters: Record<string, string | undefined>): AsyncIterable<NeutronSecurityGroup> {
    return this.#n.list('security_groups', securityGroupsPath, filters, 'neutron.listSecurityGroups');
  }

  async get(id: string): Promise<NeutronSecurityGroup> {
    const body = await this.#n.session.json<{ security_group: NeutronSecurityGroup }>('network', {
      method: 'GET',
      path: securityGroupPath(id),
      op: 'neutron.getSecurityGroup',
      accept: [200],
    });
    return body.security_group;
  }

  /** 201. Neutron (Zed) takes no tags on create, so the tag follows in a second call. */
  async create(group: CreateSecurityGroupBody): Promise<NeutronSecurityGroup> {
    const body = await this.#n.session.json<{ security_group: NeutronSecurityGroup }>('network', {
      method: 'POST',
      path: securityGroupsPath(),
      op: 'neutron.createSecurityGroup',
      accept: [201],
      json: { security_group: group },
    });
    return body.security_group;
  }

  /** PUT …/tags/{tag}: 201, idempotent. https://docs.openstack.org/api-ref/network/v2/#add-a-tag */
  async addTag(id: string, tag: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'PUT',
      path: securityGroupTagPath(id, tag),
      op: 'neutron.tagSecurityGroup',
      accept: [201, 204],
    });
  }

  /** 204; 404 when already gone; 409 while a port still uses it. */
  async delete(id: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'DELETE',
      path: securityGroupPath(id),
      op: 'neutron.deleteSecurityGroup',
      accept: [204, 404],
    });
  }

  /** 201; 409 `SecurityGroupRuleExists` for an identical rule. */
  async createRule(rule: CreateRuleBody): Promise<NeutronRule> {
    const body = await this.#n.session.json<{ security_group_rule: NeutronRule }>('network', {
      method: 'POST',
      path: rulesPath(),
      op: 'neutron.createSecurityGroupRule',
      accept: [201],
      json: { security_group_rule: rule },
    });
    return body.security_group_rule;
  }

  async deleteRule(id: string): Promise<void> {
    await this.#n.session.request('network', {
      method: 'DELETE',
      path: rulePath(id),
      op: 'neutron.deleteSecurityGroupRule',
      accept: [204, 404],
    });
  }
}

// ── response types ─────────────────────────────────────────────────────────────────────────────────
export interface NeutronRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface NeutronSecurityGroup {
  id: string;
  name: string;
  description: string;
  tags?: string[];
  security_group_rules: NeutronRule[];
  revision_number?: number;
}

// ── mappers ────────────────────────────────────────────────────────────────────────────────────────
/** Tag carrying the broker id (Neutron tags: ≤ 60 characters, no `,` or `/`). */
export const brokerTag = (brokerId: string): string => `hcb:${brokerId}`;
export const tagSafe = (tag: string): boolean => tag.length <= 60 && !/[,/]/.test(tag);

export function toCloudSecurityGroup(group: NeutronSecurityGroup): CloudSecurityGroup {
  const view: CloudSecurityGroup = { id: group.id, name: group.name, rules: [] };
  const tag = group.tags?.find((t) => t.startsWith('hcb:'));
  if (tag) view.brokerId = tag.slice(4);
  for (const rule of group.security_group_rules ?? []) {
    const mapped = toCloudRule(rule);
    if (mapped) view.rules.push(mapped);
  }
  return view;
}

/** Neutron's names for ICMP: `icmp` for IPv4, `ipv6-icmp` (older releases: `icmpv6`, `58`) for IPv6. */
const ICMP = new Set(['icmp', 'ipv6-icmp', 'icmpv6', '58', '1']);

/**
 * A Neutron rule in the broker's shape, or undefined for rules it cannot express (the default
 * allow-all egress rules with protocol `null`): those are left alone, not shown.
 */
export function toCloudRule(rule: NeutronRule): CloudSecurityRule | undefined {
  const protocol = rule.protocol !== null && ICMP.has(rule.protocol) ? 'icmp' : rule.protocol;
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') return undefined;
  const out: CloudSecurityRule = { id: rule.id, direction: rule.direction, protocol };
  if (protocol !== 'icmp' && rule.port_range_min !== null) {
    out.port = rule.port_range_min;
    if (rule.port_range_max !== null && rule.port_range_max !== rule.port_range_min)
      out.portTo = rule.port_range_max;
  }
  if (rule.remote_ip_prefix) out.remoteCidr = rule.remote_ip_prefix;
  if (rule.remote_group_id) out.remoteGroupId = rule.remote_group_id;
  return out;
}

/**
 * The Neutron body for a broker rule. IPv6 when the remote network is (ethertype must match it); ICMP
 * over IPv6 is `ipv6-icmp`.
 * https://docs.openstack.org/api-ref/network/v2/#create-security-group-rule
 */
export function toRuleBody(groupId: string, rule: SecurityRuleInput): CreateRuleBody {
  const port = rule.protocol === 'icmp' ? undefined : rule.port;
  const ipv6 = rule.remoteCidr?.includes(':') ?? false;
  return {
    security_group_id: groupId,
    direction: rule.direction,
    ethertype: ipv6 ? 'IPv6' : 'IPv4',
    protocol: rule.protocol === 'icmp' && ipv6 ? 'ipv6-icmp' : rule.protocol,
    ...(port === undefined ? {} : { port_range_min: port, port_range_max: rule.portTo ?? port }),
    ...(rule.remoteCidr ? { remote_ip_prefix: rule.remoteCidr } : {}),
    ...(rule.remoteGroupId ? { remote_group_id: rule.remoteGroupId } : {}),
  };
}

/** Whether an existing rule is the one asked for (so adding it again returns it). */
export function sameRule(existing: CloudSecurityRule, wanted: SecurityRuleInput): boolean {
  const icmp = wanted.protocol === 'icmp';
  const port = icmp ? undefined : wanted.port;
  const last = icmp || port === undefined ? undefined : (wanted.portTo ?? port);
  return (
    existing.direction === wanted.direction &&
    existing.protocol === wanted.protocol &&
    existing.port === port &&
    (existing.port === undefined ? undefined : (existing.portTo ?? existing.port)) === last &&
    (existing.remoteCidr ?? undefined) === (wanted.remoteCidr ?? undefined) &&
    (existing.remoteGroupId ?? undefined) === (wanted.remoteGroupId ?? undefined)
  );
}
