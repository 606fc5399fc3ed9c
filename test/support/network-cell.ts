import { expect } from 'vitest';
import type { Harness, Reply } from './broker-harness.ts';
import { freshCidr } from './network-api.ts';

/**
 * One network cell of the flow matrix: a network of classification `classification` asked for in region
 * `region`. Allowed: placed on `home`, whole on its cloud, and gone from the cloud after its delete.
 * Denied (phi asking for a public site): 403, and no network recorded or made.
 */
export async function networkCell(
  h: Harness,
  cell: {
    classification: string;
    site: string;
    region: string;
    home: string;
    denied: boolean;
    settleMs: number;
  },
): Promise<void> {
  const admin = await h.token('tenant-matrix', ['admin']);
  const settle = async (reply: Reply) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await h.settle(admin, reply.body.operation.id, cell.settleMs);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
  };
  const listed = async () =>
    (
      (await h.call('GET', '/v1/networks?limit=100', { token: admin })).body.items as { status: string }[]
    ).filter((n) => n.status !== 'deleted').length;
  const before = await listed();
  const reply = await h.call('POST', '/v1/networks', {
    token: admin,
    body: {
      name: `n-${cell.classification}-${cell.site}`,
      classification: cell.classification,
      cidr: freshCidr(),
      region: cell.region,
    },
  });
  if (cell.denied) {
    expect(reply.status, reply.text).toBe(403);
    expect(reply.body.code).toBe('placement.noPermittedTarget');
    expect(await listed()).toBe(before);
    return;
  }
  await settle(reply);
  const id = reply.body.network.id as string;
  expect(reply.body.network.placement.targetId).toBe(cell.home);
  const cloud = h.broker.providers.get(cell.home).network;
  expect((await cloud.findTenantNetwork(id))?.complete).toBe(true);
  await settle(await h.call('DELETE', `/v1/networks/${id}`, { token: admin }));
  expect(await cloud.findTenantNetwork(id)).toBeUndefined();
  expect(await listed()).toBe(before);
}
