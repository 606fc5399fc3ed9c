import { randomInt } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness, Reply } from './broker-harness.ts';

/** Where the network suite runs: one on-prem and one public target, each alone in its region. */
export interface NetworkEnvironment {
  harness: Harness;
  onprem: string;
  public: string;
  settleMs: number;
  /** A private range the public target's cloud refuses (AWS: outside its VPC), where there is one. */
  refusedOnPublic?: string;
  cleanup?(): Promise<void>;
}

/**
 * A private /28 no other test (or the emulator's default subnets, 172.31.0.0/20 per zone) is likely to
 * hold: inside AWS's default VPC (172.31.0.0/16), so the same range fits every cloud.
 */
export const freshCidr = () => `172.31.${randomInt(128, 250)}.${16 * randomInt(0, 16)}/28`;

/**
 * `/v1/networks` over HTTP against one environment: placement (phi only on-prem), roles and tenant
 * isolation, CIDR validation, idempotency, VMs naming a network, and a delete that leaves nothing behind on
 * the cloud (asked of the cloud itself through the target's provider).
 */
export function describeNetworkApi(name: string, setup: () => Promise<NetworkEnvironment>): void {
  describe(`tenant networks over the API: ${name}`, () => {
    let env: NetworkEnvironment;
    let h: Harness;
    let admin: string;
    let app: string;
    let stranger: string;
    const region = new Map<string, string>();

    beforeAll(async () => {
      env = await setup();
      h = env.harness;
      admin = await h.token('tenant-net', ['admin']);
      app = await h.token('tenant-net', ['app']);
      stranger = await h.token('tenant-other', ['admin']);
      const targets = (await h.call('GET', '/v1/targets', { token: app })).body.items as {
        id: string;
        region: string;
      }[];
      for (const t of targets) region.set(t.id, t.region);
    });
    afterAll(async () => {
      await env?.cleanup?.();
    });

    const settle = async (reply: Reply, token = admin) => {
      expect(reply.status, reply.text).toBe(202);
      const op = await h.settle(token, reply.body.operation.id, env.settleMs);
      expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
      return op;
    };
    const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      h.call('POST', '/v1/networks', { token: admin, body, headers });
    const onCloud = (targetId: string, networkId: string) =>
      h.broker.providers.get(targetId).network.findTenantNetwork(networkId);
    const count = async () =>
      (await h.call('GET', '/v1/networks?limit=100', { token: admin })).body.items.length as number;
    const removeNetwork = async (id: string, targetId: string) => {
      await settle(await h.call('DELETE', `/v1/networks/${id}`, { token: admin }));
      expect((await h.call('GET', `/v1/networks/${id}`, { token: admin })).body.status).toBe('deleted');
      expect(await onCloud(targetId, id)).toBeUndefined();
    };

    it('places a phi network on-prem with its subnet (and router), and deletes every piece', async () => {
      const cidr = freshCidr();
      const reply = await create({ name: 'ward-net', classification: 'phi', cidr });
      await settle(reply);
      const id = reply.body.network.id as string;
      const network = (await h.call('GET', `/v1/networks/${id}`, { token: app })).body;
      expect(network).toMatchObject({
        status: 'active',
        classification: 'phi',
        cidr,
        placement: { site: 'onprem' },
      });
      expect(network.placement.targetId).toBe(env.onprem);
      const cloud = await onCloud(env.onprem, id);
      expect(cloud).toMatchObject({ cidr, brokerId: id, complete: true });
      expect(cloud?.routerId).toBeDefined();
      await removeNetwork(id, env.onprem);
    });

    it('never gives phi a public network: a public region is a 403 and nothing is made', async () => {
      const before = await count();
      const refused = await create({
        name: 'ward-net',
        classification: 'phi',
        cidr: freshCidr(),
        region: region.get(env.public),
      });
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.code).toBe('placement.noPermittedTarget');
      expect(await count()).toBe(before);
    });

    it('places a public network on the public target when asked for its region', async () => {
      const reply = await create({
        name: 'web-net',
        classification: 'public',
        cidr: freshCidr(),
        region: region.get(env.public),
      });
      await settle(reply);
      const id = reply.body.network.id as string;
      expect(reply.body.network.placement.targetId).toBe(env.public);
      expect((await onCloud(env.public, id))?.complete).toBe(true);
      await removeNetwork(id, env.public);
    });

    it('ends a network its cloud refuses in error with nothing made, and lets it be deleted', async () => {
      if (!env.refusedOnPublic) return;
      const reply = await create({
        name: 'outside-net',
        classification: 'public',
        cidr: env.refusedOnPublic,
        region: region.get(env.public),
      });
      expect(reply.status, reply.text).toBe(202);
      const op = await h.settle(admin, reply.body.operation.id, env.settleMs);
      expect(op.status).toBe('failed');
      const id = reply.body.network.id as string;
      const failed = (await h.call('GET', `/v1/networks/${id}`, { token: admin })).body;
      expect(failed.status).toBe('error');
      expect(failed.fault).toBeTruthy();
      expect(await onCloud(env.public, id)).toBeUndefined();
      await removeNetwork(id, env.public);
    });

    it('refuses a range that is not a private IPv4 network of /16 to /28, naming the field', async () => {
      const before = await count();
      for (const cidr of ['10.1.2.3/24', '8.8.8.0/24', '10.0.0.0/8', '10.0.0.0/30', 'fd00::/64', 'ten/24']) {
        const reply = await create({ name: 'bad', classification: 'internal', cidr });
        expect(reply.status, `${cidr}: ${reply.text}`).toBe(400);
        expect(reply.headers.get('content-type')).toContain('application/problem+json');
        expect(reply.body.errors[0].field).toBe('body.cidr');
      }
      expect(await count()).toBe(before);
    });

    it('lets admins create and delete, apps read; another tenant sees a 404', async () => {
      const denied = await h.call('POST', '/v1/networks', {
        token: app,
        body: { name: 'x', classification: 'internal', cidr: freshCidr() },
      });
      expect(denied.status, denied.text).toBe(403);
      const reply = await create({ name: 'lab-net', classification: 'internal', cidr: freshCidr() });
      await settle(reply);
      const id = reply.body.network.id as string;
      const targetId = reply.body.network.placement.targetId as string;
      expect((await h.call('GET', `/v1/networks/${id}`, { token: app })).status).toBe(200);
      expect((await h.call('DELETE', `/v1/networks/${id}`, { token: app })).status).toBe(403);
      for (const method of ['GET', 'DELETE'])
        expect((await h.call(method, `/v1/networks/${id}`, { token: stranger })).status, method).toBe(404);
      const theirs = (await h.call('GET', '/v1/networks', { token: stranger })).body.items as {
        id: string;
      }[];
      expect(theirs.map((n) => n.id)).not.toContain(id);
      const vm = await h.call('POST', '/v1/vms', {
        token: stranger,
        body: { name: 'v', size: 'small', image: 'ubuntu-24.04', classification: 'internal', networks: [id] },
      });
      expect(vm.status, vm.text).toBe(404);
      expect(vm.body.code).toBe('network.notFound');
      await removeNetwork(id, targetId);
    });

    it('answers one network per Idempotency-Key and pages the list', async () => {
      const body = { name: 'keyed-net', classification: 'internal', cidr: freshCidr() };
      const first = await create(body, { 'idempotency-key': 'net-key-1' });
      const again = await create(body, { 'idempotency-key': 'net-key-1' });
      expect(again.status).toBe(202);
      expect(again.body.network.id).toBe(first.body.network.id);
      await settle(first);
      const second = await create({ ...body, name: 'keyed-net-2', cidr: freshCidr() });
      await settle(second);
      const page = (await h.call('GET', '/v1/networks?limit=1', { token: app })).body;
      expect(page.items).toHaveLength(1);
      expect(page.nextCursor).toBeDefined();
      const next = (await h.call('GET', `/v1/networks?limit=1&cursor=${page.nextCursor}`, { token: app }))
        .body;
      expect(next.items[0].id).not.toBe(page.items[0].id);
      for (const created of [first, second])
        await removeNetwork(created.body.network.id, created.body.network.placement.targetId);
    });

    it('runs a phi VM on a phi network on-prem, with its address from the subnet; then both go', async () => {
      const cidr = freshCidr();
      const reply = await create({ name: 'ward-net', classification: 'phi', cidr });
      await settle(reply);
      const id = reply.body.network.id as string;
      const vm = await h.call('POST', '/v1/vms', {
        token: app,
        body: {
          name: 'ward-vm',
          size: 'small',
          image: 'ubuntu-24.04',
          classification: 'phi',
          networks: [id],
        },
      });
      await settle(vm, app);
      const running = (await h.call('GET', `/v1/vms/${vm.body.vm.id}`, { token: app })).body;
      expect(running).toMatchObject({
        status: 'active',
        networks: [id],
        placement: { targetId: env.onprem },
      });
      expect(inside(running.addresses, cidr), JSON.stringify(running.addresses)).toBe(true);
      expect((await h.call('DELETE', `/v1/networks/${id}`, { token: admin })).status).toBe(409);
      await settle(await h.call('DELETE', `/v1/vms/${vm.body.vm.id}`, { token: app }), app);
      await removeNetwork(id, env.onprem);
    });

    it('runs a VM on its network; refuses a phi VM there; refuses the delete while the VM lives', async () => {
      const reply = await create({
        name: 'app-net',
        classification: 'internal',
        cidr: freshCidr(),
        region: region.get(env.public),
      });
      await settle(reply);
      const id = reply.body.network.id as string;
      const phi = await h.call('POST', '/v1/vms', {
        token: app,
        body: { name: 'p', size: 'small', image: 'ubuntu-24.04', classification: 'phi', networks: [id] },
      });
      expect(phi.status, phi.text).toBe(403);
      expect(phi.body.code).toBe('network.denied');
      const elsewhere = await h.call('POST', '/v1/vms', {
        token: app,
        body: {
          name: 'e',
          size: 'small',
          image: 'ubuntu-24.04',
          classification: 'internal',
          region: region.get(env.onprem),
          networks: [id],
        },
      });
      expect(elsewhere.status, elsewhere.text).toBe(409);
      expect(elsewhere.body.code).toBe('network.targetMismatch');
      const vm = await h.call('POST', '/v1/vms', {
        token: app,
        body: {
          name: 'on-net',
          size: 'small',
          image: 'ubuntu-24.04',
          classification: 'public',
          networks: [id],
        },
      });
      await settle(vm, app);
      const running = (await h.call('GET', `/v1/vms/${vm.body.vm.id}`, { token: app })).body;
      expect(running).toMatchObject({ networks: [id], placement: { targetId: env.public } });
      expect(inside(running.addresses, reply.body.network.cidr), JSON.stringify(running.addresses)).toBe(
        true,
      );
      const busy = await h.call('DELETE', `/v1/networks/${id}`, { token: admin });
      expect(busy.status, busy.text).toBe(409);
      expect(busy.body.code).toBe('network.inUse');
      await settle(await h.call('DELETE', `/v1/vms/${vm.body.vm.id}`, { token: app }), app);
      await removeNetwork(id, env.public);
    });
  });
}

/** Whether the VM has a private address inside the network's range. */
function inside(addresses: { ip: string; type: string }[], cidr: string): boolean {
  const range = ipaddr.IPv4.parseCIDR(cidr);
  return addresses.some(
    (a) => a.type === 'private' && ipaddr.IPv4.isValid(a.ip) && ipaddr.IPv4.parse(a.ip).match(range),
  );
}
