import { isAtLeast } from '../../../core/classification.ts';
import type {
  AttachRequest,
  CopyRequest,
  ExposeRequest,
  FlowDecision,
  FlowPolicy,
  LinkRequest,
} from '../../../core/ports/flow-policy.ts';

const permit = (policy: string): FlowDecision => ({ permitted: true, policies: [policy], reasons: [] });
const deny = (policy: string, reason: string): FlowDecision => ({
  permitted: false,
  policies: [policy],
  reasons: [reason],
});

/**
 * The flow rules without a policy language: PHI never reaches a public-site target by attach, copy or
 * link; PHI accepts flows only from its own site; tenants are isolated. Tests only: the spec the shipped
 * Cedar flow policies are checked against (test/policy/flow-agreement.test.ts).
 */
export class SiteRuleFlowPolicy implements FlowPolicy {
  attach({ volume, target }: AttachRequest): FlowDecision {
    if (volume.classification === 'phi' && target.site !== 'onprem')
      return deny('builtin.phi-onprem-only', 'a phi volume attaches only to VMs on on-prem targets');
    return permit('builtin.default-permit');
  }

  copy({ artefact, to }: CopyRequest): FlowDecision {
    if (artefact.classification === 'phi' && to.site !== 'onprem')
      return deny('builtin.phi-onprem-only', 'phi artefacts are copied only to on-prem targets');
    return permit('builtin.default-permit');
  }

  expose({ workload }: ExposeRequest): FlowDecision {
    if (isAtLeast(workload.classification, 'pii'))
      return deny('builtin.no-public-address', 'phi and pii workloads never get a public address');
    return permit('builtin.default-permit');
  }

  link({ from, to, port, portTo, protocol, direction }: LinkRequest): FlowDecision {
    if (to.kind === 'vm' && to.tenant !== from.tenant)
      return deny('builtin.tenant-isolation', 'links stay within a tenant');
    const fromPhi = isAtLeast(from.classification, 'phi');
    if (to.kind === 'cidr') {
      if (fromPhi && to.internet && direction === 'inbound')
        return deny('builtin.phi-no-internet-inbound', 'phi workloads accept nothing from the internet');
      if (fromPhi && to.internet)
        return deny('builtin.phi-no-internet', 'phi workloads never send to the internet');
      const covers = (p: number) => port <= p && p <= (portTo ?? port);
      if (direction === 'inbound' && protocol === 'tcp' && to.internet && (covers(22) || covers(3389)))
        return deny('builtin.no-internet-remote-admin', 'SSH and RDP are never opened to the internet');
      return permit('builtin.default-permit');
    }
    if (fromPhi && to.target.site !== 'onprem')
      return deny('builtin.phi-onprem-only', 'phi workloads never send to public targets');
    if (to.classification === 'phi' && from.target.site !== to.target.site)
      return deny('builtin.phi-same-site-inbound', 'phi workloads accept inbound only from their own site');
    if (from.target.site === 'public' && to.target.site === 'onprem' && !to.serviceEndpoint)
      return deny(
        'builtin.onprem-via-endpoints',
        'public workloads reach on-prem only through declared service endpoints',
      );
    return permit('builtin.default-permit');
  }
}
