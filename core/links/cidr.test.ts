import { describe, expect, it } from 'vitest';
import { checkCidr, hostCidr, isInternet, parseCidr } from './cidr.ts';

describe('CIDRs', () => {
  it.each([
    ['10.20.0.0/16', '10.20.0.0/16', 4],
    ['0.0.0.0/0', '0.0.0.0/0', 4],
    ['::/0', '::/0', 6],
    ['2001:DB8:0:0::/32', '2001:db8::/32', 6],
    ['fd00:0:0:0:0:0:0:0/8', 'fd00::/8', 6],
    ['2001:db8::1/128', '2001:db8::1/128', 6],
  ])('accepts %s as %s', (text, canonical, version) => {
    expect(parseCidr(text)).toMatchObject({ text: canonical, version });
  });

  it.each([
    ['10.1.2.3/24', 'host bits are set: the network is 10.1.2.0/24'],
    ['2001:db8::1/32', 'host bits are set: the network is 2001:db8::/32'],
    ['10.0.0.0/33', 'a prefix length of 0–32'],
    ['::/129', 'a prefix length of 0–128'],
  ])('refuses %s: %s', (text, reason) => {
    expect(checkCidr(text)).toEqual({ ok: false, reason });
  });

  it.each([
    '010.0.0.0/8', // ipaddr.js alone would read it as octal 8.0.0.0
    '10.0.0/8',
    '0x0a.0.0.0/8',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/08x',
    'fe80::1%eth0/64',
    'nope/8',
    '',
  ])('refuses %s as not a CIDR', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it.each([
    ['10.0.0.0/8', false],
    ['10.2.0.0/16', false],
    ['172.16.0.0/12', false],
    ['172.32.0.0/16', true],
    ['192.168.4.0/24', false],
    ['100.64.0.0/10', false],
    ['8.8.8.0/24', true],
    ['10.0.0.0/7', true], // wider than the private range: part of it is the internet
    ['0.0.0.0/0', true],
    ['fd12:3456::/32', false],
    ['fc00::/7', false],
    ['fc00::/6', true],
    ['2001:db8::/32', true],
    ['::/0', true],
  ])('%s is the internet: %s', (text, internet) => {
    expect(isInternet(parseCidr(text)!)).toBe(internet);
  });

  it('names a host as its single-address network', () => {
    expect(hostCidr('10.0.0.5')).toBe('10.0.0.5/32');
    expect(hostCidr('fd00::5')).toBe('fd00::5/128');
  });
});
