/** A controlled network flow between two VMs, or from a VM to a CIDR, on one port and protocol. */
export const LINK_STATUSES = ['programming', 'active', 'deleting', 'deleted', 'error'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export type LinkProtocol = 'tcp' | 'udp' | 'icmp';

export type LinkDestination = { vmId: string } | { cidr: string };

/** One rule the broker programmed for a link: which group on which target holds it. */
export interface ProgrammedRule {
  end: 'from' | 'to';
  targetId: string;
  serverId: string;
  groupId: string;
  ruleId?: string;
  /** Whether the group is attached to the server yet (so removal knows what to undo). */
  attached: boolean;
}

export interface Link {
  id: string;
  tenant: string;
  from: { vmId: string };
  to: LinkDestination;
  port: number;
  protocol: LinkProtocol;
  status: LinkStatus;
  /** The policies that permitted it. */
  policies: string[];
  programmed: ProgrammedRule[];
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export type LinkView = Omit<Link, 'tenant' | 'programmed'> & {
  rules: { end: 'from' | 'to'; targetId: string }[];
};

export function toLinkView(link: Link): LinkView {
  const { tenant: _t, programmed, ...rest } = link;
  return {
    ...rest,
    rules: programmed.filter((r) => r.ruleId).map((r) => ({ end: r.end, targetId: r.targetId })),
  };
}
