/**
 * A controlled network flow between two VMs, from a VM to a CIDR (outbound) or from a CIDR to a VM
 * (inbound), on one port or a range of ports (none for icmp) and a protocol; CIDRs are IPv4 or IPv6.
 */
export const LINK_STATUSES = ['programming', 'active', 'deleting', 'deleted', 'error'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export type LinkProtocol = 'tcp' | 'udp' | 'icmp';

export type LinkDestination = { vmId: string } | { cidr: string };
/** A link's start: a VM, or a network for an inbound link (whose `to` is then a VM). */
export type LinkSource = { vmId: string } | { cidr: string };

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
  from: LinkSource;
  to: LinkDestination;
  /** The first (or only) port; 0 for icmp. */
  port: number;
  /** The last port of a range; absent for a single port. */
  portTo?: number;
  protocol: LinkProtocol;
  status: LinkStatus;
  /** The policies that permitted it. */
  policies: string[];
  programmed: ProgrammedRule[];
  fault?: string;
  createdAt: string;
  updatedAt: string;
}

export type LinkView = Omit<Link, 'tenant' | 'programmed' | 'portTo'> & {
  /** tcp and udp: the range (from == to for a single port). */
  ports?: { from: number; to: number };
  rules: { end: 'from' | 'to'; targetId: string }[];
};

export function toLinkView(link: Link): LinkView {
  const { tenant: _t, programmed, portTo, ...rest } = link;
  return {
    ...rest,
    ...(link.protocol === 'icmp' ? {} : { ports: { from: link.port, to: portTo ?? link.port } }),
    rules: programmed.filter((r) => r.ruleId).map((r) => ({ end: r.end, targetId: r.targetId })),
  };
}

/** The VM a link is anchored on (its only VM for a link to or from a network; the sender between two). */
export function linkVmId(link: Pick<Link, 'from' | 'to'>): string {
  if ('vmId' in link.from) return link.from.vmId;
  if ('vmId' in link.to) return link.to.vmId;
  throw new Error('a link has at least one VM end');
}
