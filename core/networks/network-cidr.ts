import { checkCidr, isInternet } from '../links/cidr.ts';
import { fieldError } from '../vms/vm-service.ts';

/** The widest and narrowest subnet every cloud holds (EC2 subnets: /16 to /28). */
export const NETWORK_PREFIX_MIN = 16;
export const NETWORK_PREFIX_MAX = 28;

/**
 * A tenant network's range: IPv4 in CIDR notation (ipaddr.js, strictly: no host bits), inside a private
 * range (a tenant network never claims internet addresses), /16 to /28. Answers the canonical text;
 * anything else is a 400 on `body.cidr`.
 */
export function networkCidr(input: string): string {
  const parsed = checkCidr(input);
  if (!parsed.ok) throw fieldError('body.cidr', parsed.reason);
  const { cidr } = parsed;
  if (cidr.version !== 4) throw fieldError('body.cidr', 'an IPv4 network, such as 10.20.0.0/24');
  if (cidr.prefix < NETWORK_PREFIX_MIN || cidr.prefix > NETWORK_PREFIX_MAX)
    throw fieldError('body.cidr', `a prefix length of /${NETWORK_PREFIX_MIN} to /${NETWORK_PREFIX_MAX}`);
  if (isInternet(cidr))
    throw fieldError(
      'body.cidr',
      'a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)',
    );
  return cidr.text;
}
