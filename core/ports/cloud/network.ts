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
  /** Single port; ignored for icmp. */
  port?: number;
  /** Exactly one of remoteCidr and remoteGroupId. */
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
