import { describe, expect, it } from 'vitest';
import type { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';
import { credentialSource, parseEnvFile } from './credentials.ts';
import { parseConnection } from './openstack-connection.ts';

const ENV_FILE = `# written by scripts/openstack-up.sh
OS_AUTH_URL=http://127.0.0.1:5000/v3
OS_USERNAME=hcb
OS_PASSWORD="p@ss=word"
OS_USER_DOMAIN_NAME=Default
export OS_ADMIN_USERNAME=admin
OS_ADMIN_PASSWORD='adm1n'
`;

describe('credential references', () => {
  it('env:PREFIX reads a password or, preferably, an application credential', async () => {
    const env = {
      OS_USERNAME: 'hcb',
      OS_PASSWORD: 'pw',
      APP_APPLICATION_CREDENTIAL_ID: 'id1',
      APP_APPLICATION_CREDENTIAL_SECRET: 's1',
    };
    expect(await credentialSource('env:OS', { env, userDomainName: 'Default' })()).toEqual({
      type: 'password',
      username: 'hcb',
      password: 'pw',
      userDomainName: 'Default',
    });
    expect(await credentialSource('env:APP', { env })()).toEqual({
      type: 'applicationCredential',
      id: 'id1',
      secret: 's1',
    });
  });

  it('file:/path reads KEY=value lines, with an optional prefix', async () => {
    const readFile = async () => ENV_FILE;
    expect(await credentialSource('file:/var/lib/hcb-openstack/openstack.env', { readFile })()).toMatchObject(
      {
        username: 'hcb',
        password: 'p@ss=word',
        userDomainName: 'Default',
      },
    );
    expect(
      await credentialSource('file:/var/lib/hcb-openstack/openstack.env#OS_ADMIN', { readFile })(),
    ).toMatchObject({
      username: 'admin',
      password: 'adm1n',
    });
    expect(parseEnvFile(ENV_FILE).OS_AUTH_URL).toBe('http://127.0.0.1:5000/v3');
  });

  it('secretsmanager:<arn> goes through the injected resolver (JSON or KEY=value)', async () => {
    const secrets: Record<string, string> = {
      'arn:a': JSON.stringify({ applicationCredentialId: 'ac', applicationCredentialSecret: 'sec' }),
      'arn:b': JSON.stringify({ username: 'svc', password: 'pw' }),
      'arn:c': 'OS_USERNAME=u\nOS_PASSWORD=p',
    };
    const resolveSecret = async (arn: string) => secrets[arn]!;
    expect(await credentialSource('secretsmanager:arn:a', { resolveSecret })()).toEqual({
      type: 'applicationCredential',
      id: 'ac',
      secret: 'sec',
    });
    expect(await credentialSource('secretsmanager:arn:b', { resolveSecret })()).toMatchObject({
      username: 'svc',
    });
    expect(await credentialSource('secretsmanager:arn:c', { resolveSecret })()).toMatchObject({
      username: 'u',
      password: 'p',
    });
    const noResolver = (await credentialSource('secretsmanager:arn:a')().catch((e) => e)) as BrokerError;
    expect(noResolver.code).toBe('openstack.invalidConfig');
  });

  it('refuses unknown schemes and never echoes values in errors', async () => {
    expect(() => credentialSource('vault:x')).toThrow(/credentialsRef/);
    const error = (await credentialSource('env:OS', { env: { OS_USERNAME: 'only-user' } })().catch(
      (e) => e,
    )) as BrokerError;
    expect(error.code).toBe('openstack.invalidConfig');
    expect(error.message).not.toContain('only-user');
  });
});

describe('target.connection', () => {
  const target = (connection: Target['connection']): Target => ({
    id: 'dc1',
    cloud: 'openstack',
    region: 'RegionOne',
    site: 'onprem',
    description: '',
    kinds: ['vm'],
    attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
    ranking: { preference: 0, costPerVcpuHour: 0 },
    sizes: {},
    images: {},
    connection,
  });

  it('fills defaults from the target', () => {
    expect(parseConnection(target({ authUrl: 'http://k:5000/v3/', credentialsRef: 'env:OS' }))).toEqual({
      authUrl: 'http://k:5000/v3',
      regionName: 'RegionOne',
      interface: 'public',
      credentialsRef: 'env:OS',
      payloadContainer: 'hcb-payloads',
      // Nova's default [consoleauth] token_ttl.
      consoleLinkTtlSeconds: 600,
    });
  });

  it('takes the console link lifetime the cloud is configured with, and refuses a nonsensical one', () => {
    const base = { authUrl: 'http://k', credentialsRef: 'env:OS' };
    expect(parseConnection(target({ ...base, consoleLinkTtlSeconds: 120 })).consoleLinkTtlSeconds).toBe(120);
    expect(() => parseConnection(target({ ...base, consoleLinkTtlSeconds: 0 }))).toThrow(
      /consoleLinkTtlSeconds/,
    );
    expect(() => parseConnection(target({ ...base, consoleLinkTtlSeconds: '60' }))).toThrow(
      /consoleLinkTtlSeconds/,
    );
  });

  it('refuses anything that looks like a secret, and unknown keys', () => {
    expect(() =>
      parseConnection(target({ authUrl: 'http://k', credentialsRef: 'env:OS', password: 'x' })),
    ).toThrow(/looks like a secret/);
    expect(() =>
      parseConnection(target({ authUrl: 'http://k', credentialsRef: 'env:OS', endpoint: 'x' })),
    ).toThrow(/not a known/);
    expect(() => parseConnection(target({ authUrl: 'http://k' }))).toThrow(/credentialsRef is required/);
  });
});
