import { fieldError } from '../errors.ts';
import { checkCidr, isInternet } from '../links/cidr.ts';

/** The widest and narrowest subnet every cloud holds (EC2 subnets: /16 to /28). */
export const NETWORK_PREFIX_MIN = 16;
export const NETWORK_PREFIX_MAX = 28;

/**
 * A tenant network's range: IPv4 in CIDR notation (ipaddr.js, strictly: no host bits), inside a private
 * range (a tenant network never claims internet addresses), /16 to /28. Answers the canonical text;
 * anything else is a 400 on `body.cidr`.
 */
export function networkCidr(input: string): string {
  const checked = checkNetworkCidr(input);
  if (!checked.ok) throw fieldError('body.cidr', checked.reason);
  return checked.text;
}

/** `networkCidr` without the throw: the canonical text, or why the input is not a tenant network's range. */
export function checkNetworkCidr(input: string): { ok: true; text: string } | { ok: false; reason: string } {
  const parsed = checkCidr(input);
  if (!parsed.ok) return parsed;
  const { cidr } = parsed;
  if (cidr.version !== 4) return { ok: false, reason: 'an IPv4 network, such as 10.20.0.0/24' };
  if (cidr.prefix < NETWORK_PREFIX_MIN || cidr.prefix > NETWORK_PREFIX_MAX)
    return { ok: false, reason: `a prefix length of /${NETWORK_PREFIX_MIN} to /${NETWORK_PREFIX_MAX}` };
  if (isInternet(cidr))
    return {
      ok: false,
      reason: 'a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)',
    };
  return { ok: true, text: cidr.text };
}
