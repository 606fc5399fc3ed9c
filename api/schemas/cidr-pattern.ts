/**
 * The documented pattern of a link's network: exactly the networks core/links/cidr.ts accepts, in the
 * spellings below, so a schema-valid network is a valid one — the address is the network's own (its host
 * bits zero: `10.1.2.0/24`, never `10.1.2.3/24`), which the pattern states per prefix length.
 *
 * - IPv4: dotted decimal without leading zeros, prefix 0–32.
 * - IPv6 shorter than /128: the groups the prefix reaches (or fewer), then zero groups and `::`
 *   (`2001:db8::/32`, `2001:db8:0::/32`, `fc00::/7`, `::/0`), or all eight groups; the last group the
 *   prefix cuts has its host bits zero.
 * - IPv6 /128: any address (RFC 4291 text forms, without a zone or an embedded IPv4 address).
 */

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const HEX = '[0-9a-fA-F]';
const GROUP = `${HEX}{1,4}`;
const ZERO = '0{1,4}';

/** The values 0..(2^bits - 1) that are multiples of 2^zeroBits, as alternatives (an octet's network part). */
function multiples(zeroBits: number, bits = 8): string {
  const step = 2 ** zeroBits;
  const values: number[] = [];
  for (let v = 0; v < 2 ** bits; v += step) values.push(v);
  return `(?:${values.reverse().join('|')})`;
}

function ipv4(prefix: number): string {
  const whole = Math.floor(prefix / 8);
  if (whole === 4) return `(?:${OCTET}\\.){3}${OCTET}`;
  const cut = prefix % 8 === 0 ? '0' : multiples(8 - (prefix % 8));
  return `(?:${OCTET}\\.){${whole}}${cut}(?:\\.0){${3 - whole}}`;
}

/** A 16-bit group whose lowest `zeroBits` bits are zero, in 1–4 hex digits. */
function groupWithZeros(zeroBits: number): string {
  if (zeroBits === 0) return GROUP;
  const zeroDigits = Math.floor(zeroBits / 4);
  const digit = ['[0-9a-fA-F]', '[02468aceACE]', '[048cC]', '[08]'][zeroBits % 4];
  const written = `${HEX}{0,${3 - zeroDigits}}${digit}${'0'.repeat(zeroDigits)}`;
  return zeroDigits === 0 ? written : `(?:${written}|0{1,${zeroDigits}})`;
}

function ipv6(prefix: number): string {
  const reached = Math.ceil(prefix / 16);
  if (reached === 0) return `(?:(?:(?:${ZERO}:){1,7}|:):|${ZERO}(?::${ZERO}){7})`;
  const lead = `(?:${GROUP}:){${reached - 1}}${groupWithZeros(reached * 16 - prefix)}`;
  if (reached === 8) return lead;
  const forms = [`${lead}(?::${ZERO}){0,${7 - reached}}::`, `${lead}(?::${ZERO}){${8 - reached}}`];
  if (reached > 1) forms.push(`(?:${GROUP}:){1,${reached - 1}}:`);
  return `(?:${forms.join('|')})`;
}

const G = GROUP;
const ANY_IPV6 = [
  `(?:${G}:){7}${G}`,
  `(?:${G}:){1,7}:`,
  `(?:${G}:){1,6}:${G}`,
  `(?:${G}:){1,5}(?::${G}){1,2}`,
  `(?:${G}:){1,4}(?::${G}){1,3}`,
  `(?:${G}:){1,3}(?::${G}){1,4}`,
  `(?:${G}:){1,2}(?::${G}){1,5}`,
  `${G}:(?::${G}){1,6}`,
  `:(?:(?::${G}){1,7}|:)`,
].join('|');

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const alternatives = [
  ...range(33).map((p) => `${ipv4(p)}/${p}`),
  ...range(128).map((p) => `${ipv6(p)}/${p}`),
  `(?:${ANY_IPV6})/128`,
];

export const CIDR_PATTERN = `^(?:${alternatives.join('|')})$`;

/** The first two octets of each private IPv4 range a tenant network may use (core/links/cidr.ts). */
const PRIVATE_IPV4_LEADS = [
  `10\\.${OCTET}`,
  '172\\.(?:1[6-9]|2[0-9]|3[01])',
  '192\\.168',
  '100\\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])',
];

/**
 * The documented pattern of a tenant network's range, `minPrefix` ≥ 16: exactly what
 * core/networks/network-cidr.ts accepts — private IPv4, host bits zero, dotted decimal without leading
 * zeros.
 */
export function networkCidrPattern(minPrefix: number, maxPrefix: number): string {
  const forms = range(maxPrefix - minPrefix + 1).map((i) => {
    const prefix = minPrefix + i;
    const whole = Math.floor(prefix / 8);
    const cut = prefix % 8 === 0 ? '0' : multiples(8 - (prefix % 8));
    const network = `(?:${PRIVATE_IPV4_LEADS.join('|')})\\.(?:${OCTET}\\.){${whole - 2}}${cut}(?:\\.0){${3 - whole}}`;
    return `${network}/${prefix}`;
  });
  return `^(?:${forms.join('|')})$`;
}
