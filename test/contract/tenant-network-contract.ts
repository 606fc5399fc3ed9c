import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import { freshCidr } from '../support/network-api.ts';
import { waitFor } from '../support/wait-for.ts';

const kindOf = (error: unknown) => (error instanceof BrokerError ? error.kind : String(error));

/**
 * Tenant networks as every connector must offer them (part of the provider contract): made once per broker
 * id, found again whole, joined by a server (which gets its address there), refused deletion while the
 * server lives, and then removed entirely, idempotently.
 */
export function tenantNetworkContract(
  fixture: () => {
    provider: CloudProvider;
    size: string;
    image: string;
    settleTimeoutMs: number;
    pollMs: number;
  },
): void {
  const run = randomUUID().slice(0, 8);
  const brokerId = `net-contract-${run}`;
  const cidr = freshCidr();

  it('makes a tenant network once per broker id, finds it whole and lists it', async () => {
    const { provider: p } = fixture();
    const made = await p.network.ensureTenantNetwork({ brokerId, name: `hcb-${brokerId}`, cidr });
    expect(made).toMatchObject({ brokerId, cidr, complete: true });
    const again = await p.network.ensureTenantNetwork({ brokerId, name: `hcb-${brokerId}`, cidr });
    expect(again.id).toBe(made.id);
    expect(await p.network.findTenantNetwork(brokerId)).toMatchObject({ id: made.id, complete: true });
    expect(await p.network.findTenantNetwork(`net-absent-${run}`)).toBeUndefined();
    const listed = [];
    for await (const n of p.network.listTenantNetworks()) if (n.brokerId === brokerId) listed.push(n.id);
    expect(listed).toEqual([made.id]);
  });

  it('puts a server on it, refuses the delete while the server lives, then removes every piece', async () => {
    const f = fixture();
    const p = f.provider;
    const network = (await p.network.findTenantNetwork(brokerId))!;
    const vmId = `vm-netcontract-${run}`;
    const created = await p.compute.createServer({
      brokerId: vmId,
      name: `netcontract-${run}`,
      size: f.size,
      image: f.image,
      tags: { 'hcb:vm': vmId, 'hcb:test': 'contract' },
      clientToken: `netcontract-${run}`,
      networkIds: [network.id],
    });
    const server = await waitFor(
      () => p.compute.getServer(created.id),
      (s) => s.state === 'active' || s.state === 'error',
      { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs, what: 'server on the tenant network' },
    );
    expect(server.state).toBe('active');
    expect(server.addresses.length).toBeGreaterThan(0);
    const refused = await p.network.deleteTenantNetwork(brokerId).catch((e: unknown) => e);
    expect(kindOf(refused)).toBe('conflict');
    expect((await p.network.findTenantNetwork(brokerId))?.complete).toBe(true);
    await p.compute.deleteServer(server.id);
    await waitFor(
      () =>
        p.compute.getServer(server.id).then(
          (s) => s.state === 'deleted',
          (e: unknown) => kindOf(e) === 'notFound',
        ),
      Boolean,
      { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs, what: 'server deletion' },
    );
    await waitFor(
      () =>
        p.network.deleteTenantNetwork(brokerId).then(
          () => true,
          (e: unknown) => (kindOf(e) === 'conflict' ? false : Promise.reject(e)),
        ),
      Boolean,
      { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs, what: 'network deletion' },
    );
    expect(await p.network.findTenantNetwork(brokerId)).toBeUndefined();
    await p.network.deleteTenantNetwork(brokerId);
  });
}
