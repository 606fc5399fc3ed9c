import { describe, expect, it } from 'vitest';
import { classifyAddress, WebhookAddressGuard } from './address-guard.ts';

/** The SSRF rules: names are resolved, and every address they resolve to must be public. */
describe('webhook address guard', () => {
  const dns: Record<string, string[]> = {
    'hooks.example.org': ['93.184.215.14'],
    'rebind.example.org': ['93.184.215.14', '10.0.0.5'],
    'metadata.example.org': ['169.254.169.254'],
    'v6private.example.org': ['fd00:ec2::254'],
    'mapped.example.org': ['::ffff:127.0.0.1'],
    'nat64.example.org': ['64:ff9b::a00:1'],
  };
  const resolve = async (host: string) => {
    const found = dns[host];
    if (!found) throw new Error('ENOTFOUND');
    return found;
  };
  const production = new WebhookAddressGuard({ allowLoopback: false, resolve });
  const development = new WebhookAddressGuard({ allowLoopback: true, resolve });

  it('classifies addresses', () => {
    expect(classifyAddress('8.8.8.8')).toBe('public');
    expect(classifyAddress('2606:4700::1111')).toBe('public');
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('169.254.169.254')).toBe('link-local');
    expect(classifyAddress('fe80::1')).toBe('link-local');
    for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', 'fd00::1'])
      expect(classifyAddress(a), a).toBe('private');
    for (const a of ['0.0.0.0', '255.255.255.255', '224.0.0.1', '::', '64:ff9b::a00:1', '2002:a00:1::'])
      expect(classifyAddress(a), a).toBe('reserved');
    expect(classifyAddress('172.32.0.1')).toBe('public');
  });

  it('accepts https to a public name', async () => {
    await expect(production.check('https://hooks.example.org/broker')).resolves.toBeUndefined();
  });

  it.each([
    ['http://hooks.example.org/', 'only https'],
    ['ftp://hooks.example.org/', 'only https'],
    ['https://user:pw@hooks.example.org/', 'credentials'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://localhost./', 'does not resolve'],
    ['https://[::1]/', 'loopback'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local'],
    ['https://metadata.example.org/', 'link-local'],
    ['https://10.0.0.1/', 'private'],
    ['https://rebind.example.org/', 'private'],
    ['https://v6private.example.org/', 'private'],
    ['https://mapped.example.org/', 'loopback'],
    ['https://nat64.example.org/', 'reserved'],
    ['https://0x7f000001/', 'loopback'],
    ['https://2130706433/', 'loopback'],
    ['not a url', 'absolute URL'],
  ])('refuses %s outside development (%s)', async (url, rule) => {
    await expect(production.check(url)).rejects.toMatchObject({
      code: 'webhook.urlRefused',
      message: expect.stringContaining(rule),
    });
  });

  it('lets development reach loopback, over http too, and nothing private', async () => {
    await expect(development.check('http://127.0.0.1:9000/hook')).resolves.toBeUndefined();
    await expect(development.check('http://[::1]:9000/hook')).resolves.toBeUndefined();
    await expect(development.check('http://hooks.example.org/')).rejects.toMatchObject({
      code: 'webhook.urlRefused',
    });
    await expect(development.check('http://10.0.0.1/')).rejects.toMatchObject({ code: 'webhook.urlRefused' });
    await expect(development.check('https://metadata.example.org/')).rejects.toMatchObject({
      code: 'webhook.urlRefused',
    });
  });
});
