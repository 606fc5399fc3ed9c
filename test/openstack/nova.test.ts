import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import { BrokerError } from '../../core/errors.ts';
import type { CloudServer } from '../../core/ports/cloud/compute.ts';
import { waitFor } from '../support/wait-for.ts';
import { openstackProvider } from './openstack-target.ts';

/**
 * Nova behaviour the contract does not pin down, on the real service: NoValidHost ends in `error` with
 * the fault text, what the fake console returns (a token Nova itself vouches for), a live migration between
 * the cloud's two fake compute hosts, and idempotent actions.
 */
describe('Nova (real)', () => {
  const run = randomUUID().slice(0, 8);
  const hugeFlavor = `hcb-test-huge-${run}`;
  const greedyFlavor = `hcb-test-greedy-${run}`;
  let p: OpenStackProvider;
  let huge: OpenStackProvider;
  const flavorIds: string[] = [];
  const servers: string[] = [];
  const settle = (id: string, done: (s: CloudServer) => boolean) =>
    waitFor(() => p.compute.getServer(id), done, {
      timeoutMs: 240_000,
      intervalMs: 500,
      what: `server ${id}`,
    });

  beforeAll(async () => {
    p = openstackProvider();
    // Nova has no disk quota: a disk larger than the fake hypervisor's (600 000 GiB × 4) passes the API
    // and fails in the scheduler. RAM beyond the project's quota is refused by the API itself.
    for (const flavor of [
      { name: hugeFlavor, ram: 512, vcpus: 1, disk: 3_000_000 },
      { name: greedyFlavor, ram: 100_000_000, vcpus: 1, disk: 1 },
    ]) {
      const body = await p.nova.json<{ flavor: { id: string } }>({
        method: 'POST',
        path: '/flavors',
        op: 'nova.createFlavor',
        accept: [200],
        json: { flavor },
      });
      flavorIds.push(body.flavor.id);
    }
    huge = openstackProvider({}, { sizes: { huge: hugeFlavor, greedy: greedyFlavor } });
  });

  afterAll(async () => {
    await Promise.all(servers.map((id) => p.compute.deleteServer(id).catch(() => undefined)));
    for (const id of flavorIds)
      await p.nova.request({
        method: 'DELETE',
        path: `/flavors/${id}`,
        op: 'nova.deleteFlavor',
        accept: [202, 404],
      });
  });

  it('refuses a server over the project quota with 403, translated to quotaExceeded', async () => {
    const refused = await huge.compute
      .createServer({
        brokerId: `vm-greedy-${run}`,
        name: `greedy-${run}`,
        size: 'greedy',
        image: 'ubuntu-24.04',
        tags: {},
        clientToken: run,
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BrokerError);
    expect((refused as BrokerError).code).toBe('openstack.quotaExceeded');
    expect((refused as BrokerError).details).toMatchObject({ status: 403, fault: 'forbidden' });
  });

  it('reports NoValidHost as state error with the fault text', async () => {
    const created = await huge.compute.createServer({
      brokerId: `vm-novalidhost-${run}`,
      name: `novalidhost-${run}`,
      size: 'huge',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: run,
    });
    servers.push(created.id);
    const failed = await settle(created.id, (s) => s.state !== 'building');
    expect(failed.state).toBe('error');
    expect(failed.rawState).toMatch(/^ERROR\//);
    expect(failed.fault).toMatch(/No valid host was found/);
  });

  it('gives a noVNC console URL, is idempotent on stop, and accepts a live migration', async () => {
    const created = await p.compute.createServer({
      brokerId: `vm-nova-${run}`,
      name: `nova-${run}`,
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: run,
    });
    servers.push(created.id);
    expect((await settle(created.id, (s) => s.state !== 'building')).state).toBe('active');

    const console = await p.compute.getConsole(created.id);
    expect(console.kind).toBe('url');
    if (console.kind === 'url') {
      expect(console.protocol).toBe('vnc');
      // Zed's noVNC URL carries the token inside `path`: vnc_auto.html?path=%3Ftoken%3D…
      expect(console.url).toMatch(/^https?:\/\/.+token/);
      // nova-novncproxy does not run here, so nothing spends the token; Nova's own check (admin API,
      // ≥ 2.31 for every console type) proves it is a live token for this server, and a made-up one not.
      const token = new URLSearchParams(
        decodeURIComponent(new URL(console.url).search).replace(/^\?path=\?/, '?'),
      ).get('token');
      expect(token).toBeTruthy();
      const checked = await p.nova.json<{ console: { instance_uuid: string } }>({
        method: 'GET',
        path: `/os-console-auth-tokens/${token}`,
        op: 'nova.checkConsoleToken',
        accept: [200],
      });
      expect(checked.console.instance_uuid).toBe(created.id);
      const forged = await p.nova
        .request({
          method: 'GET',
          path: `/os-console-auth-tokens/${randomUUID()}`,
          op: 'nova.checkConsoleToken',
          accept: [200],
        })
        .catch((e: unknown) => e);
      expect((forged as BrokerError).code).toBe('openstack.notFound');
    }

    // Two fake compute hosts: the scheduler picks the other one and the server really moves.
    const before = await p.compute.getServer(created.id);
    await p.compute.liveMigrate(created.id);
    const after = await settle(created.id, (s) => s.state !== 'migrating' && s.host !== before.host);
    expect(after.state).toBe('active');
    expect(after.host).not.toBe(before.host);

    await p.compute.stopServer(created.id);
    await settle(created.id, (s) => s.state === 'stopped');
    await p.compute.stopServer(created.id); // Nova says 409; already stopped counts as done
    const conflict = await p.compute.pauseServer(created.id).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(BrokerError);
    expect((conflict as BrokerError).code).toBe('openstack.conflict');
  });
});
