import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import type { Target } from '../../core/model/target.ts';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import { OPENSTACK_ENV, openstackProvider, openstackTarget } from './openstack-target.ts';
import { type ShortTokenKeystone, startShortTokenKeystone } from './short-token-keystone.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

const LIFETIME_S = 20;
const PORT = 18_701;
const TARGET = 'openstack-short-tokens';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tokens that expire mid-operation: a Keystone issuing 20-second tokens, and work through the broker's
 * OpenStack connector spanning several lifetimes. Nothing the user sees may be a 401.
 */
describe(`OpenStack with ${LIFETIME_S}-second tokens`, () => {
  let keystone: ShortTokenKeystone;
  const realFetch = globalThis.fetch;
  /** 401 answers the services gave the connector (re-authentication should absorb every one). */
  let serviceRefusals = 0;

  const shortTarget = (overrides: Partial<Target> = {}): Target => {
    const base = openstackTarget({ id: TARGET, ...overrides });
    return { ...base, connection: { ...base.connection, authUrl: keystone.authUrl } };
  };

  beforeAll(async () => {
    keystone = await startShortTokenKeystone(PORT, LIFETIME_S);
    globalThis.fetch = async (input, init) => {
      const response = await realFetch(input, init);
      if (response.status === 401) serviceRefusals += 1;
      return response;
    };
  }, 180_000);
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await keystone?.stop();
  });

  it('issues tokens the services refuse once their lifetime is over (the setup is real)', async () => {
    const provider = openstackProvider({}, shortTarget());
    const token = await provider.keystone.token();
    expect(token.expiresAt - token.issuedAt).toBeLessThanOrEqual(LIFETIME_S * 1000);
    const nova = provider.keystone.endpoint(token, 'compute', 'public', provider.target.region);
    const get = () => realFetch(`${nova}/flavors`, { headers: { 'X-Auth-Token': token.value } });
    expect((await get()).status).toBe(200);
    await sleep(token.expiresAt - Date.now() + 2_000);
    expect((await get()).status).toBe(401);
  }, 120_000);

  it('re-authenticates on a 401 when its own clock says the token is still good', async () => {
    // A clock two minutes behind: the connector keeps a token the services already refuse.
    const provider = openstackProvider({ now: () => Date.now() - 120_000 }, shortTarget());
    const before = serviceRefusals;
    const started = Date.now();
    let calls = 0;
    while (Date.now() - started < (LIFETIME_S + 12) * 1000) {
      await provider.compute.findServerByBrokerId('vm-none');
      calls += 1;
      await sleep(3_000);
    }
    expect(calls).toBeGreaterThan(5);
    expect(serviceRefusals - before).toBeGreaterThan(0);
    expect(provider.keystone.authentications).toBeGreaterThan(1);
  }, 120_000);

  describe('a VM created and acted on through the broker for longer than a token lives', () => {
    let h: Harness;
    let app: string;

    beforeAll(async () => {
      const { kinds: _kinds, ...entry } = shortTarget({ ranking: { preference: 30, costPerVcpuHour: 0.03 } });
      const yaml = stringify([entry], { indent: 2 })
        .split('\n')
        .map((line) => (line ? `  ${line}` : line))
        .join('\n');
      const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-tokens-')), 'targets.yaml');
      writeFileSync(file, readFileSync(FAST_TARGETS, 'utf8').replace('targets:\n', `targets:\n${yaml}\n`));
      h = await startHarness({ targetsFile: file });
      app = await h.token('tenant-os-tokens', ['app']);
    }, 120_000);
    afterAll(() => h?.close());

    it('finishes every operation with no 401 reaching the user', async () => {
      const replies: number[] = [];
      const call = async (method: string, path: string, body?: unknown) => {
        const reply = await h.call(method, path, { token: app, ...(body ? { body } : {}) });
        replies.push(reply.status);
        return reply;
      };
      const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
        expect(reply.status, reply.text).toBe(202);
        const op = await h.settle(app, reply.body.operation.id, 300_000);
        expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
        return op;
      };
      const started = Date.now();
      const created = await call('POST', '/v1/vms', {
        name: 'token-span',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'phi',
      });
      expect(created.body.vm.placement.targetId).toBe(TARGET);
      const vmId = created.body.vm.id as string;
      await settle(created);
      const actions = [{ type: 'stop' }, { type: 'start' }, { type: 'reboot', mode: 'soft' }];
      for (const action of actions) {
        // Let the token the last step used run out first (the steps themselves are quick since waits are
        // waited: the work alone no longer spans two lifetimes).
        await sleep((LIFETIME_S + 1) * 1000);
        await settle(await call('POST', `/v1/vms/${vmId}/actions`, action));
      }
      expect((await call('GET', `/v1/vms/${vmId}`)).body.status).toBe('active');
      await settle(await call('DELETE', `/v1/vms/${vmId}`));
      const elapsed = Date.now() - started;
      const os = h.broker.providers.get(TARGET) as OpenStackProvider;
      console.info(
        `token expiry: ${Math.round(elapsed / 1000)} s of work with ${LIFETIME_S} s tokens, ` +
          `${os.keystone.authentications} authentications, ${serviceRefusals} service 401s absorbed, ` +
          `${replies.filter((s) => s === 401).length} 401s to the user`,
      );
      expect(elapsed).toBeGreaterThan(2 * LIFETIME_S * 1000);
      expect(os.keystone.authentications).toBeGreaterThan(2);
      expect(replies.filter((s) => s === 401)).toEqual([]);
    }, 600_000);
  });
});
