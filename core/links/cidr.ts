/** CIDR parsing and the one question policy asks of a CIDR: is it the internet? (IPv4; the broker's networks are IPv4.) */
export interface Cidr {
  base: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  // The base must be the network address (10.1.2.0/24, not 10.1.2.3/24).
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { base, prefix };
}

function contains(outer: Cidr, inner: Cidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  const size = 2 ** (32 - outer.prefix);
  return Math.floor(inner.base / size) === Math.floor(outer.base / size);
}

/** RFC 1918 private ranges and RFC 6598 shared space: hospital networks reached over the VPN. */
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) => parseCidr(c)!);

/** Anything not wholly inside a private range is treated as the internet. */
export function isInternet(cidr: Cidr): boolean {
  return !PRIVATE.some((range) => contains(range, cidr));
}

export function hostCidr(address: string): string {
  return `${address}/32`;
}
