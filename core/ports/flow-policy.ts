import type { Classification } from '../classification.ts';
import type { Principal } from '../model/principal.ts';
import type { Target } from '../model/target.ts';

/** A policy verdict on moving data somewhere: attaching, copying, linking. */
export interface FlowDecision {
  permitted: boolean;
  /** The policies that decided (named in a 403 when denied). */
  policies: string[];
  reasons: string[];
}

/** Attaching a volume to a VM: the volume's data becomes reachable from the VM's target. */
export interface AttachRequest {
  principal: Principal;
  volume: { classification: Classification };
  vm: { classification: Classification };
  /** The VM's target. */
  target: Target;
}

/**
 * Copying a derived artefact (snapshot, image) from one target to another — or a volume's data, which a
 * retype naming another target than the volume's would move (the broker refuses that move either way).
 */
export interface CopyRequest {
  principal: Principal;
  artefact: { kind: 'snapshot' | 'image' | 'volume'; classification: Classification };
  from: Target;
  to: Target;
}

export type LinkEndpoint =
  /** `serviceEndpoint`: an admin designated the VM a service endpoint, a declared way into its site. */
  | { kind: 'vm'; classification: Classification; target: Target; tenant: string; serviceEndpoint: boolean }
  | { kind: 'cidr'; cidr: string; internet: boolean };

/**
 * A network flow between a VM and a VM or a CIDR, on a port (or a range of ports) and a protocol. `from` is
 * always the link's VM end and `to` the other end; `direction` says which way the flow goes: `outbound`
 * (the default) from the VM to `to`, `inbound` from the network `to` into the VM (only for a CIDR).
 */
export interface LinkRequest {
  principal: Principal;
  from: { classification: Classification; target: Target; tenant: string };
  to: LinkEndpoint;
  /** The first (or only) port; 0 for icmp. */
  port: number;
  /** The last port of a range; absent: `port` alone. */
  portTo?: number;
  protocol: 'tcp' | 'udp' | 'icmp';
  direction?: LinkDirection;
}

export type LinkDirection = 'outbound' | 'inbound';

/** Giving a VM a public address (a floating or Elastic IP): the internet can reach it from then on. */
export interface ExposeRequest {
  principal: Principal;
  workload: { classification: Classification };
  /** The VM's target. */
  target: Target;
}

/** Decides attach, copy and link requests (docs/design.md: flows happen only where policy allows). */
export interface FlowPolicy {
  attach(request: AttachRequest): FlowDecision;
  copy(request: CopyRequest): FlowDecision;
  link(request: LinkRequest): FlowDecision;
  expose(request: ExposeRequest): FlowDecision;
}
