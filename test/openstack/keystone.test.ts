import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../connectors/openstack/http.ts';
import { Keystone } from '../../connectors/openstack/keystone.ts';
import { Nova } from '../../connectors/openstack/nova.ts';
import { OpenStackSession } from '../../connectors/openstack/session.ts';
import { BrokerError } from '../../core/errors.ts';
import { openstackEnv, openstackProvider } from './openstack-target.ts';

/** Keystone proofs on the real service: application credentials, token reuse, one re-auth on a 401. */
describe('Keystone (real)', () => {
  const env = openstackEnv();
  const authUrl = env.OS_AUTH_URL!;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('authenticates with an application credential made for the hcb user, which stops working once deleted', async () => {
    const owner = openstackProvider();
    const ownerToken = await owner.keystone.token();
    const credential = await owner.keystone.createApplicationCredential(ownerToken, {
      name: `hcb-test-${randomUUID().slice(0, 8)}`,
      description: 'keystone.test.ts',
    });
    cleanups.push(() => owner.keystone.deleteApplicationCredential(ownerToken, credential.id));
    expect(credential.projectId).toBe(ownerToken.projectId);

    // Through a provider whose credentialsRef points at env variables holding the application credential.
    const app = openstackProvider(
      {
        env: {
          APP_APPLICATION_CREDENTIAL_ID: credential.id,
          APP_APPLICATION_CREDENTIAL_SECRET: credential.secret,
        },
      },
      {
        connection: { authUrl, network: env.HCB_OPENSTACK_NETWORK ?? 'hcb-net', credentialsRef: 'env:APP' },
      },
    );
    const appToken = await app.keystone.token();
    expect(appToken.projectId).toBe(ownerToken.projectId);
    expect(appToken.value).not.toBe(ownerToken.value);
    let flavors = 0;
    for await (const _ of app.nova.listFlavors()) flavors++;
    expect(flavors).toBeGreaterThanOrEqual(3);

    await owner.keystone.deleteApplicationCredential(ownerToken, credential.id);
    const refused = await app.keystone.authenticate().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BrokerError);
    expect((refused as BrokerError).code).toBe('openstack.unauthorized');
  });

  it('reuses the cached token across calls and services', async () => {
    const p = openstackProvider();
    expect((await p.health()).status).toBe('healthy');
    for await (const _ of p.nova.listFlavors()) void _;
    await p.swift.accountMeta();
    await p.images.getImage((await firstImageId(p))!);
    expect(p.keystone.authentications).toBe(1);
  });

  it('re-authenticates exactly once after a 401, then repeats the request', async () => {
    const http = new HttpClient();
    const keystone = new Keystone({
      authUrl,
      http,
      credentials: async () => ({
        type: 'password',
        username: env.OS_USERNAME!,
        password: env.OS_PASSWORD!,
        userDomainName: env.OS_USER_DOMAIN_NAME ?? 'Default',
      }),
      scope: {
        projectName: env.OS_PROJECT_NAME ?? 'hcb',
        projectDomainName: env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
      },
    });
    const session = new OpenStackSession({
      keystone,
      http,
      interface: 'public',
      region: env.OS_REGION_NAME ?? 'RegionOne',
    });
    const first = await keystone.token();
    // Revoke the cached token behind the cache's back. Keystone itself checks revocations on every
    // validation (the other services cache validations in memcached for a while), so ask Keystone.
    await keystone.revoke(first.value);
    const body = await session.json<{ projects: { id: string }[] }>('identity', {
      method: 'GET',
      path: '/auth/projects',
      op: 'keystone.listProjects',
      accept: [200],
    });
    expect(body.projects.map((p) => p.id)).toContain(first.projectId);
    expect(keystone.authentications).toBe(2);
    expect((await keystone.token()).value).not.toBe(first.value);
    // And Nova works with the fresh token, still without a third authentication.
    for await (const _ of new Nova(session).listFlavors()) void _;
    expect(keystone.authentications).toBe(2);
  });
});

async function firstImageId(p: ReturnType<typeof openstackProvider>): Promise<string | undefined> {
  for await (const image of p.images.listImages()) return image.id;
  return undefined;
}
