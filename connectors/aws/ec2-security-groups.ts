import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Filter,
  type IpPermission,
  ModifyInstanceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { BrokerError } from '../../core/errors.ts';
import type {
  CloudPublicAddress,
  CloudSecurityGroup,
  CloudSecurityRule,
  NetworkService,
  SecurityRuleInput,
  TenantNetworkService,
} from '../../core/ports/cloud/network.ts';
import { awsCall, awsCallOrAbsent, hasAwsCode } from './aws-errors.ts';
import { type AwsSettings, pages, TAG, tagValue, toTags } from './aws-settings.ts';
import { Ec2Addresses } from './ec2-addresses.ts';
import type { Ec2Location } from './ec2-location.ts';

/** Group names and descriptions accept a limited character set (CreateSecurityGroup's constraints). */
const safeText = (text: string) => text.replace(/[^A-Za-z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, '-').slice(0, 255);

/**
 * The EC2 permission for one broker rule: a port or a range (all ports when none is given); all ICMP types,
 * `icmpv6` for an IPv6 network (EC2 takes ICMP for IPv6 under its own protocol).
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html
 */
export function toIpPermission(rule: SecurityRuleInput): IpPermission {
  const ipv6 = rule.remoteCidr?.includes(':') ?? false;
  const ports =
    rule.protocol === 'icmp'
      ? { FromPort: -1, ToPort: -1 }
      : { FromPort: rule.port ?? 0, ToPort: rule.port === undefined ? 65535 : (rule.portTo ?? rule.port) };
  const remote: IpPermission = rule.remoteGroupId
    ? { UserIdGroupPairs: [{ GroupId: rule.remoteGroupId }] }
    : ipv6
      ? { Ipv6Ranges: [{ CidrIpv6: rule.remoteCidr }] }
      : { IpRanges: [{ CidrIp: rule.remoteCidr ?? '0.0.0.0/0' }] };
  const protocol = rule.protocol === 'icmp' && ipv6 ? 'icmpv6' : rule.protocol;
  return { IpProtocol: protocol, ...ports, ...remote };
}

/** Security groups in the target's VPC, found by their `hcb:link` tag; rules addressed by rule id. */
export class Ec2SecurityGroups implements Omit<NetworkService, keyof TenantNetworkService> {
  readonly #ec2: EC2Client;
  readonly #settings: AwsSettings;
  readonly #location: Ec2Location;
  readonly #addresses: Ec2Addresses;

  constructor(ec2: EC2Client, settings: AwsSettings, location: Ec2Location) {
    this.#ec2 = ec2;
    this.#settings = settings;
    this.#location = location;
    this.#addresses = new Ec2Addresses(ec2);
  }

  allocatePublicAddress(serverId: string, brokerId: string): Promise<CloudPublicAddress> {
    return this.#addresses.allocatePublicAddress(serverId, brokerId);
  }

  releasePublicAddress(addressId: string): Promise<void> {
    return this.#addresses.releasePublicAddress(addressId);
  }

  listPublicAddresses(): AsyncIterable<CloudPublicAddress> {
    return this.#addresses.listPublicAddresses();
  }

  async ensureSecurityGroup(input: {
    brokerId: string;
    name: string;
    description: string;
  }): Promise<CloudSecurityGroup> {
    const vpcId = await this.#location.vpcId();
    const tagged = await this.#find([
      { Name: 'vpc-id', Values: [vpcId] },
      { Name: `tag:${TAG.link}`, Values: [input.brokerId] },
    ]);
    if (tagged) return this.#view(tagged);
    const tags = toTags({ [TAG.link]: input.brokerId, [TAG.name]: input.name });
    try {
      const out = await awsCall('CreateSecurityGroup', () =>
        this.#ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: safeText(input.name),
            Description: safeText(input.description) || 'hcb link',
            VpcId: vpcId,
            TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }],
          }),
        ),
      );
      const groupId = out.GroupId!;
      // A new group allows all egress; a link group grants only what links program (the instance's own
      // groups still govern its general egress).
      await awsCallOrAbsent('RevokeSecurityGroupEgress', () =>
        this.#ec2.send(
          new RevokeSecurityGroupEgressCommand({
            GroupId: groupId,
            IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
          }),
        ),
      );
      return this.getSecurityGroup(groupId);
    } catch (error) {
      if (!hasAwsCode(error, 'InvalidGroup.Duplicate')) throw error;
      // Same name, no tag yet (an earlier attempt died between create and tag): adopt it; another link's: refuse.
      const named = await this.#find([
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: [safeText(input.name)] },
      ]);
      const owner = tagValue(named?.Tags, TAG.link);
      if (!named?.GroupId || (owner !== undefined && owner !== input.brokerId)) throw error;
      await awsCall('CreateTags', () =>
        this.#ec2.send(new CreateTagsCommand({ Resources: [named.GroupId!], Tags: tags })),
      );
      return this.getSecurityGroup(named.GroupId);
    }
  }

  async getSecurityGroup(groupId: string): Promise<CloudSecurityGroup> {
    const group = await this.#find([{ Name: 'group-id', Values: [groupId] }]);
    if (!group) throw new BrokerError('aws.notFound', `no security group ${groupId}`);
    return this.#view(group);
  }

  /** Idempotent; a group still attached somewhere answers `aws.conflict` (DependencyViolation). */
  async deleteSecurityGroup(groupId: string): Promise<void> {
    await awsCallOrAbsent('DeleteSecurityGroup', () =>
      this.#ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })),
    );
  }

  async addRule(groupId: string, rule: SecurityRuleInput): Promise<CloudSecurityRule> {
    const request = { GroupId: groupId, IpPermissions: [toIpPermission(rule)] };
    try {
      const out =
        rule.direction === 'ingress'
          ? await awsCall('AuthorizeSecurityGroupIngress', () =>
              this.#ec2.send(new AuthorizeSecurityGroupIngressCommand(request)),
            )
          : await awsCall('AuthorizeSecurityGroupEgress', () =>
              this.#ec2.send(new AuthorizeSecurityGroupEgressCommand(request)),
            );
      const created = out.SecurityGroupRules?.[0];
      if (created?.SecurityGroupRuleId)
        return toCloudRule(created) ?? { id: created.SecurityGroupRuleId, ...rule };
    } catch (error) {
      if (!hasAwsCode(error, 'InvalidPermission.Duplicate')) throw error;
    }
    // Already there (or AWS did not return the rule): the identical existing rule is the answer.
    const same = (await this.#rules(groupId)).find((r) => sameRule(r, rule));
    if (!same)
      throw new BrokerError('aws.conflict', 'EC2 reports the rule as present but it could not be read back');
    return same;
  }

  async removeRule(groupId: string, ruleId: string): Promise<void> {
    const out = await awsCallOrAbsent('DescribeSecurityGroupRules', () =>
      this.#ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] })),
    );
    const rule = out?.SecurityGroupRules?.find(
      (r) => r.SecurityGroupRuleId === ruleId && r.GroupId === groupId,
    );
    if (!rule) return;
    const request = { GroupId: groupId, SecurityGroupRuleIds: [ruleId] };
    if (rule.IsEgress)
      await awsCallOrAbsent('RevokeSecurityGroupEgress', () =>
        this.#ec2.send(new RevokeSecurityGroupEgressCommand(request)),
      );
    else
      await awsCallOrAbsent('RevokeSecurityGroupIngress', () =>
        this.#ec2.send(new RevokeSecurityGroupIngressCommand(request)),
      );
  }

  async attachSecurityGroup(serverId: string, groupId: string): Promise<void> {
    const { groups } = await this.#instanceGroups(serverId);
    if (groups.includes(groupId)) return;
    await this.#setGroups(serverId, [...groups, groupId]);
  }

  /** Idempotent. An instance keeps at least one group: its VPC's `default` when the last one goes. */
  async detachSecurityGroup(serverId: string, groupId: string): Promise<void> {
    const { groups, vpcId } = await this.#instanceGroups(serverId);
    if (!groups.includes(groupId)) return;
    const rest = groups.filter((g) => g !== groupId);
    await this.#setGroups(serverId, rest.length > 0 ? rest : [await this.#location.defaultGroupId(vpcId)]);
  }

  async #setGroups(serverId: string, groups: string[]): Promise<void> {
    await awsCall('ModifyInstanceAttribute', () =>
      this.#ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: serverId, Groups: groups })),
    );
  }

  async #instanceGroups(serverId: string): Promise<{ groups: string[]; vpcId: string }> {
    const out = await awsCall('DescribeInstances', () =>
      this.#ec2.send(new DescribeInstancesCommand({ InstanceIds: [serverId] })),
    );
    const instance = out.Reservations?.[0]?.Instances?.[0];
    if (!instance || instance.State?.Name === 'terminated')
      throw new BrokerError('aws.notFound', `no instance ${serverId}`);
    const groups = (instance.SecurityGroups ?? [])
      .map((g) => g.GroupId)
      .filter((g): g is string => Boolean(g));
    return { groups, vpcId: instance.VpcId ?? (await this.#location.vpcId()) };
  }

  /** A filter rather than GroupIds, so an absent group is an empty answer on AWS and emulators alike. */
  async #find(filters: Filter[]): Promise<SecurityGroup | undefined> {
    const out = await awsCall('DescribeSecurityGroups', () =>
      this.#ec2.send(new DescribeSecurityGroupsCommand({ Filters: filters })),
    );
    return out.SecurityGroups?.[0];
  }

  async #rules(groupId: string): Promise<CloudSecurityRule[]> {
    const rules: CloudSecurityRule[] = [];
    for await (const page of pages((NextToken) =>
      awsCall('DescribeSecurityGroupRules', () =>
        this.#ec2.send(
          new DescribeSecurityGroupRulesCommand({
            Filters: [{ Name: 'group-id', Values: [groupId] }],
            MaxResults: this.#settings.pageSize,
            NextToken,
          }),
        ),
      ),
    ))
      for (const rule of page.SecurityGroupRules ?? []) {
        const mapped = toCloudRule(rule);
        if (mapped) rules.push(mapped);
      }
    return rules;
  }

  async #view(group: SecurityGroup): Promise<CloudSecurityGroup> {
    const view: CloudSecurityGroup = {
      id: group.GroupId ?? '',
      name: tagValue(group.Tags, TAG.name) ?? group.GroupName ?? '',
      rules: await this.#rules(group.GroupId ?? ''),
    };
    const brokerId = tagValue(group.Tags, TAG.link);
    if (brokerId !== undefined) view.brokerId = brokerId;
    return view;
  }
}

const PROTOCOLS: Record<string, CloudSecurityRule['protocol']> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  icmpv6: 'icmp',
  '58': 'icmp',
};

/** The broker's view of an EC2 rule; rules the broker cannot express (all protocols) are left out. */
export function toCloudRule(rule: SecurityGroupRule): CloudSecurityRule | undefined {
  const protocol = PROTOCOLS[rule.IpProtocol ?? ''];
  if (!protocol || !rule.SecurityGroupRuleId) return undefined;
  const view: CloudSecurityRule = {
    id: rule.SecurityGroupRuleId,
    direction: rule.IsEgress ? 'egress' : 'ingress',
    protocol,
  };
  if (protocol !== 'icmp') {
    const allPorts = rule.FromPort === 0 && rule.ToPort === 65535;
    if (!allPorts && rule.FromPort !== undefined) {
      view.port = rule.FromPort;
      if (rule.ToPort !== undefined && rule.ToPort !== rule.FromPort) view.portTo = rule.ToPort;
    }
  }
  const cidr = rule.CidrIpv4 ?? rule.CidrIpv6;
  if (cidr) view.remoteCidr = cidr;
  else if (rule.ReferencedGroupInfo?.GroupId) view.remoteGroupId = rule.ReferencedGroupInfo.GroupId;
  return view;
}

export function sameRule(a: SecurityRuleInput, b: SecurityRuleInput): boolean {
  return (
    a.direction === b.direction &&
    a.protocol === b.protocol &&
    (a.protocol === 'icmp' || (a.port === b.port && (a.portTo ?? a.port) === (b.portTo ?? b.port))) &&
    (a.remoteCidr ?? (a.remoteGroupId ? undefined : '0.0.0.0/0')) ===
      (b.remoteCidr ?? (b.remoteGroupId ? undefined : '0.0.0.0/0')) &&
    a.remoteGroupId === b.remoteGroupId
  );
}
