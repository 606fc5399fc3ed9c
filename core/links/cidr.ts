import ipaddr from 'ipaddr.js';

/**
 * CIDR parsing (IPv4 and IPv6, through ipaddr.js rather than by hand) and the one question policy asks of a
 * CIDR: is it the internet?
 */
export interface Cidr {
  /** The canonical text: dotted-decimal for IPv4, RFC 5952 for IPv6 (`2001:db8::/32`). */
  text: string;
  version: 4 | 6;
  prefix: number;
  address: ipaddr.IPv4 | ipaddr.IPv6;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/**
 * A network in CIDR notation, strictly: IPv4 in four-part decimal without leading zeros (ipaddr.js would
 * read `010.0.0.0` as octal), IPv6 without a zone, and the address must be the network address — a
 * CIDR with host bits set (`10.1.2.3/24`) is refused with the network it probably meant, not silently
 * widened. IPv6 may be written in any valid form; `text` is its canonical one.
 */
export function checkCidr(input: string): CidrParse {
  const slash = input.indexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(input.slice(slash + 1)))
    return { ok: false, reason: 'a network in CIDR notation, such as 10.20.0.0/16 or 2001:db8::/48' };
  const addressText = input.slice(0, slash);
  const v4 = ipaddr.IPv4.isValidFourPartDecimal(addressText);
  if (!v4 && (!ipaddr.IPv6.isValid(addressText) || addressText.includes('%') || !addressText.includes(':')))
    return { ok: false, reason: 'a network in CIDR notation, such as 10.20.0.0/16 or 2001:db8::/48' };
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(input);
  } catch {
    return { ok: false, reason: `a prefix length of 0–${v4 ? 32 : 128}` };
  }
  const [address, prefix] = parsed;
  const network = v4 ? ipaddr.IPv4.networkAddressFromCIDR(input) : ipaddr.IPv6.networkAddressFromCIDR(input);
  const text = `${network.toString()}/${prefix}`;
  if (network.toString() !== address.toString())
    return { ok: false, reason: `host bits are set: the network is ${text}` };
  return { ok: true, cidr: { text, version: v4 ? 4 : 6, prefix, address: network } };
}

export function parseCidr(text: string): Cidr | undefined {
  const result = checkCidr(text);
  return result.ok ? result.cidr : undefined;
}

/**
 * RFC 1918 private ranges and RFC 6598 shared space (IPv4), RFC 4193 unique local addresses (IPv6):
 * hospital networks reached over the VPN.
 */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].map((c) =>
  ipaddr.parseCIDR(c),
);

/** Anything not wholly inside a private range is treated as the internet. */
export function isInternet(cidr: Cidr): boolean {
  return !PRIVATE.some(
    ([range, bits]) =>
      range.kind() === cidr.address.kind() && cidr.prefix >= bits && cidr.address.match(range, bits),
  );
}

/** The single-host network of a VM's address (/32 or /128). */
export function hostCidr(address: string): string {
  return `${address}/${address.includes(':') ? 128 : 32}`;
}
