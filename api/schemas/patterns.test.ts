import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCidr } from '../../core/links/cidr.ts';
import {
  checkNetworkCidr,
  NETWORK_PREFIX_MAX,
  NETWORK_PREFIX_MIN,
} from '../../core/networks/network-cidr.ts';
import { cronSchedule } from '../../runtime/cron-schedule.ts';
import { CIDR_PATTERN, networkCidrPattern } from './cidr-pattern.ts';
import { CRON_PATTERN } from './cron-pattern.ts';

/**
 * The documented patterns promise that a schema-valid value is a valid one (the fuzzer holds the API to
 * that): every text a pattern matches must pass the check the service runs.
 */
describe('documented patterns', () => {
  const cidr = new RegExp(CIDR_PATTERN);
  const cron = new RegExp(CRON_PATTERN);

  it('every network the CIDR pattern matches is one the link check accepts', () => {
    fc.assert(
      fc.property(fc.stringMatching(cidr), (text) => {
        expect(checkCidr(text), text).toMatchObject({ ok: true });
      }),
      { numRuns: 1000 },
    );
  });

  const network = new RegExp(networkCidrPattern(NETWORK_PREFIX_MIN, NETWORK_PREFIX_MAX));

  it('every range the tenant-network pattern matches is one the network check accepts', () => {
    fc.assert(
      fc.property(fc.stringMatching(network), (text) => {
        expect(checkNetworkCidr(text), text).toMatchObject({ ok: true });
      }),
      { numRuns: 1000 },
    );
  });

  it('the tenant-network pattern matches every range the network check accepts in canonical form', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    fc.assert(
      // Mostly inside the private ranges' first octets, so that accepted ranges come up often.
      fc.property(
        fc.tuple(
          fc.oneof(fc.constantFrom(10, 100, 172, 192), octet),
          fc.oneof(fc.constantFrom(64, 16, 168), octet),
          octet,
          octet,
        ),
        fc.integer({ min: 8, max: 32 }),
        (o, prefix) => {
          const text = `${o.join('.')}/${prefix}`;
          expect(network.test(text), text).toBe(checkNetworkCidr(text).ok);
        },
      ),
      { numRuns: 3000 },
    );
    for (const ok of ['10.40.0.0/24', '172.31.255.240/28', '192.168.0.0/16', '100.127.0.0/16'])
      expect(network.test(ok), ok).toBe(true);
    for (const bad of [
      '000000000',
      '10.40.0.1/24',
      '8.8.0.0/16',
      '10.0.0.0/8',
      '10.0.0.0/29',
      '010.1.0.0/16',
    ])
      expect(network.test(bad), bad).toBe(false);
  });

  it('matches the common spellings and refuses host bits, leading zeros and bad prefixes', () => {
    for (const ok of [
      '10.20.0.0/16',
      '0.0.0.0/0',
      '192.168.1.1/32',
      '::/0',
      '2001:db8::/32',
      '2001:DB8:0::/32',
    ])
      expect(cidr.test(ok), ok).toBe(true);
    for (const ok of ['fc00::/7', '2a00:1450::/32', '2001:db8::1/128', '::1/128', '2001:db8:0:0:0:0:0:0/32'])
      expect(cidr.test(ok), ok).toBe(true);
    for (const bad of [
      '10.1.2.3/24',
      '010.0.0.0/8',
      '10.0.0.0/33',
      '2001:db8::1/32',
      'fe80::%eth0/64',
      '1.2.3/8',
    ])
      expect(cidr.test(bad), bad).toBe(false);
  });

  it('every schedule the cron pattern matches is one cron-parser accepts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(cron), async (text) => {
        expect(await cronSchedule.problem(text), text).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it('matches everyday schedules and refuses what cron-parser would', () => {
    for (const ok of [
      '0 2 * * *',
      '0 2 * * 1-5',
      '*/15 * * * *',
      '0 0 29 2 *',
      '0 0 31 */2 *',
      '0 0 28-31 2 *',
    ])
      expect(cron.test(ok), ok).toBe(true);
    for (const bad of [
      '0 0 2 * * *',
      '5-3 * * * *',
      '0 0 31 2 *',
      '0 0 30 2 *',
      '0 0 31 4 *',
      '60 * * * *',
      '*/0 * * * *',
    ])
      expect(cron.test(bad), bad).toBe(false);
  });
});
