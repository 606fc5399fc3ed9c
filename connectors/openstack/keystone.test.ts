import { describe, expect, it } from 'vitest';
import type { BrokerError } from '../../core/errors.ts';
import {
  FakeFetch,
  fastHttp,
  json,
  PROJECT_ID,
  withKeystone,
} from '../../test/support/openstack/fake-fetch.ts';
import { HttpClient } from './http.ts';
import { Keystone, type KeystoneCredentials } from './keystone.ts';
import { OpenStackSession } from './session.ts';

const password: KeystoneCredentials = {
  type: 'password',
  username: 'hcb',
  password: 's3cret',
  userDomainName: 'Default',
};

function setup(options: { credentials?: KeystoneCredentials; lifetimeMs?: number } = {}) {
  let now = Date.parse('2025-06-01T00:00:00Z');
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const fake = withKeystone(new FakeFetch(), {
    now: clock.now,
    ...(options.lifetimeMs ? { lifetimeMs: options.lifetimeMs } : {}),
  });
  const http = new HttpClient(fastHttp(fake));
  const keystone = new Keystone({
    authUrl: 'http://keystone.test/v3/',
    http,
    now: clock.now,
    credentials: async () => options.credentials ?? password,
    scope: { projectName: 'hcb', projectDomainName: 'Default' },
  });
  const session = new OpenStackSession({ keystone, http, interface: 'public', region: 'RegionOne' });
  return { fake, keystone, session, clock };
}

describe('Keystone', () => {
  it('authenticates with a password, scoped to the project', async () => {
    const { fake, keystone } = setup();
    const token = await keystone.token();
    expect(token.value).toBe('token-1');
    expect(token.projectId).toBe(PROJECT_ID);
    expect(JSON.parse(fake.calls[0]!.body!)).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'hcb', domain: { name: 'Default' }, password: 's3cret' } },
        },
        scope: { project: { name: 'hcb', domain: { name: 'Default' } } },
      },
    });
  });

  it('authenticates with an application credential and no explicit scope', async () => {
    const { fake, keystone } = setup({
      credentials: { type: 'applicationCredential', id: 'ac1', secret: 'shh' },
    });
    await keystone.token();
    expect(JSON.parse(fake.calls[0]!.body!)).toEqual({
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: 'ac1', secret: 'shh' },
        },
      },
    });
  });

  it('reuses a cached token, once for concurrent callers, and re-authenticates before expires_at', async () => {
    const { keystone, clock } = setup({ lifetimeMs: 3_600_000 });
    const [a, b] = await Promise.all([keystone.token(), keystone.token()]);
    expect(a.value).toBe(b.value);
    expect(keystone.authentications).toBe(1);
    clock.advance(50 * 60_000);
    expect((await keystone.token()).value).toBe('token-1');
    clock.advance(6 * 60_000); // 4 minutes left, inside the 5-minute margin
    expect((await keystone.token()).value).toBe('token-2');
    expect(keystone.authentications).toBe(2);
  });

  it('keeps one cache entry per scope', async () => {
    const { keystone } = setup();
    await keystone.token({ projectName: 'hcb', projectDomainName: 'Default' });
    await keystone.token({ projectName: 'admin', projectDomainName: 'Default' });
    await keystone.token({ projectName: 'hcb', projectDomainName: 'Default' });
    expect(keystone.authentications).toBe(2);
  });

  it('picks the endpoint by service type alias, interface and region', async () => {
    const { keystone } = setup();
    const token = await keystone.token();
    expect(keystone.endpoint(token, 'block-storage', 'public', 'RegionOne')).toBe(
      `http://cinder.test/v3/${PROJECT_ID}`,
    );
    expect(keystone.endpoint(token, 'compute', 'internal', 'RegionOne')).toBe('http://nova.internal/v2.1');
    expect(keystone.endpoint(token, 'compute', 'public', 'RegionTwo')).toBe('http://nova.two/v2.1');
    expect(() => keystone.endpoint(token, 'compute', 'public', 'Nowhere')).toThrow(
      /no public compute endpoint/,
    );
  });

  it('re-authenticates once on a 401 and repeats the request with the new token', async () => {
    const { fake, keystone, session } = setup();
    fake.on('GET', /^nova\.test\/v2\.1\/flavors$/, (call) =>
      call.headers.get('x-auth-token') === 'token-1'
        ? json(401, { error: { code: 401, title: 'Unauthorized' } })
        : json(200, { flavors: [] }),
    );
    const body = await session.json<{ flavors: unknown[] }>('compute', {
      method: 'GET',
      path: '/flavors',
      op: 'nova.listFlavors',
      accept: [200],
    });
    expect(body.flavors).toEqual([]);
    expect(keystone.authentications).toBe(2);
    expect(fake.to('nova.test').map((c) => c.headers.get('x-auth-token'))).toEqual(['token-1', 'token-2']);
  });

  it('gives up with unauthorized when the fresh token is refused too', async () => {
    const { fake, keystone, session } = setup();
    fake.on('GET', /^nova\.test\/v2\.1\/flavors$/, () =>
      json(401, { error: { code: 401, title: 'Unauthorized' } }),
    );
    const error = await session
      .request('compute', { method: 'GET', path: '/flavors', op: 'nova.listFlavors', accept: [200] })
      .catch((e) => e);
    expect((error as BrokerError).code).toBe('openstack.unauthorized');
    expect(keystone.authentications).toBe(2);
    expect(fake.to('nova.test')).toHaveLength(2);
  });

  it('reports wrong credentials as unauthorized without echoing them', async () => {
    const fake = new FakeFetch().on('POST', /auth\/tokens$/, () =>
      json(401, { error: { code: 401, title: 'Unauthorized', message: 'bad' } }),
    );
    const keystone = new Keystone({
      authUrl: 'http://keystone.test/v3',
      http: new HttpClient(fastHttp(fake)),
      credentials: async () => password,
    });
    const error = (await keystone.token().catch((e) => e)) as BrokerError;
    expect(error.code).toBe('openstack.unauthorized');
    expect(`${error.message}${JSON.stringify(error.details)}`).not.toContain('s3cret');
  });

  it('reads a 404 for a deleted application credential as unauthorized', async () => {
    const fake = new FakeFetch().on('POST', /auth\/tokens$/, () =>
      json(404, {
        error: { code: 404, title: 'Not Found', message: 'Could not find Application Credential' },
      }),
    );
    const keystone = new Keystone({
      authUrl: 'http://keystone.test/v3',
      http: new HttpClient(fastHttp(fake)),
      credentials: async () => ({ type: 'applicationCredential', id: 'gone', secret: 'x' }),
    });
    const error = (await keystone.token().catch((e) => e)) as BrokerError;
    expect(error.code).toBe('openstack.unauthorized');
  });
});
