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

export interface NetworkService {
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
