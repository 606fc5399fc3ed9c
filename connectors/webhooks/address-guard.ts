import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BrokerError } from '../../core/errors.ts';
import type { WebhookUrlGuard } from '../../core/ports/events.ts';

type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved';

function blockList(ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

const LOOPBACK = blockList([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
// Cloud metadata (169.254.169.254, fd00:ec2::254) falls in link-local and private.
const LINK_LOCAL = blockList([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
const PRIVATE = blockList([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const RESERVED = blockList([
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  // NAT64 and 6to4 can carry any IPv4 address, private ones included.
  ['64:ff9b::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['2002::', 16, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

/** What kind of address this is, for the webhook rules; IPv4-mapped IPv6 counts as its IPv4 address. */
export function classifyAddress(address: string): AddressClass {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (isIP(ip) === 0) return 'reserved';
  if (LOOPBACK.check(ip, family)) return 'loopback';
  if (LINK_LOCAL.check(ip, family)) return 'link-local';
  if (PRIVATE.check(ip, family)) return 'private';
  if (RESERVED.check(ip, family)) return 'reserved';
  return 'public';
}

export type Resolver = (host: string) => Promise<string[]>;

/** The system resolver, given 5 s: a resolver that hangs must not hang registration or delivery. */
const systemResolver: Resolver = async (host) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('DNS timeout')), 5_000);
  });
  try {
    const found = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
    return found.map((entry) => entry.address);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * The SSRF rules for webhook URLs, applied at registration and again to the address each delivery
 * connects to: `https` only, to public addresses only — never private, loopback, link-local (cloud
 * metadata) or reserved ones, whatever name points there. `allowLoopback` (the embedded default, for
 * development) also admits `http` and `https` to loopback addresses, and nothing else.
 */
export class WebhookAddressGuard implements WebhookUrlGuard {
  readonly #allowLoopback: boolean;
  readonly #resolve: Resolver;

  constructor(options: { allowLoopback: boolean; resolve?: Resolver }) {
    this.#allowLoopback = options.allowLoopback;
    this.#resolve = options.resolve ?? systemResolver;
  }

  async check(url: string): Promise<void> {
    const parsed = this.parse(url);
    const addresses = await this.resolveAllowed(hostOf(parsed));
    if (parsed.protocol === 'http:' && !this.httpAllowed(addresses))
      throw refused('plain http only to a loopback address (development)');
  }

  /** The URL if its form is allowed (scheme, no credentials); throws `webhook.urlRefused` otherwise. */
  parse(url: string): URL {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw refused('not an absolute URL');
    }
    if (parsed.username || parsed.password) throw refused('credentials in the URL are not allowed');
    if (parsed.protocol === 'https:') return parsed;
    if (parsed.protocol === 'http:' && this.#allowLoopback) return parsed;
    throw refused(this.#allowLoopback ? 'only http(s) URLs' : 'only https URLs');
  }

  /** The host's addresses, if every one is allowed; throws `webhook.urlRefused` naming the rule. */
  async resolveAllowed(host: string): Promise<string[]> {
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : await this.#resolve(host);
    } catch {
      throw refused('the host name does not resolve');
    }
    if (addresses.length === 0) throw refused('the host name does not resolve');
    for (const address of addresses) {
      const kind = classifyAddress(address);
      if (kind === 'public' || (kind === 'loopback' && this.#allowLoopback)) continue;
      throw refused(`the host resolves to a ${kind} address`);
    }
    return addresses;
  }

  /** Whether plain http may be used to reach these (already allowed) addresses. */
  httpAllowed(addresses: string[]): boolean {
    return this.#allowLoopback && addresses.every((a) => classifyAddress(a) === 'loopback');
  }
}

function refused(rule: string): BrokerError {
  return new BrokerError('webhook.urlRefused', `webhook URL refused: ${rule}`, {
    fieldIssues: [{ field: 'body.url', message: rule }],
  });
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}
