import ipaddr from 'ipaddr.js';
import { BrokerError } from '../../core/errors.ts';
import type { SandboxData } from './sandbox-state.ts';

/** A stable second octet per target so addresses differ between targets. */
function hostOctet(targetId: string): number {
  let h = 0;
  for (const c of targetId) h = (h * 31 + c.charCodeAt(0)) % 200;
  return h + 20;
}

/**
 * A fixed address for a new server: from its tenant network's subnet when it joins one (as DHCP on the
 * subnet hands out, skipping the network and gateway addresses), else from the target's default network.
 */
export function addressFor(data: SandboxData, targetId: string, networkId: string | undefined): string {
  const n = data.nextAddress++;
  const network = networkId === undefined ? undefined : data.tenantNetworks[networkId];
  if (!network) {
    if (networkId !== undefined) throw new BrokerError('sandbox.invalidRequest', `no network ${networkId}`);
    return `10.${hostOctet(targetId)}.0.${n % 250}`;
  }
  const [base, prefix] = ipaddr.IPv4.parseCIDR(network.cidr);
  const hosts = 2 ** (32 - prefix) - 3;
  const first = base.toByteArray().reduce((sum, octet) => sum * 256 + octet, 0);
  const value = first + 2 + (n % hosts);
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
