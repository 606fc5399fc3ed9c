import { describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { SandboxProvider } from './sandbox-provider.ts';

const target: Target = {
  id: 'sandbox-deletes',
  cloud: 'sandbox',
  region: 'test',
  site: 'onprem',
  description: 'simulation',
  kinds: ['vm', 'volume'],
  attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
  ranking: { preference: 0, costPerVcpuHour: 0 },
  sizes: { small: 'sb.small' },
  images: { 'ubuntu-24.04': 'sb-ubuntu-2404' },
  connection: {},
  cloudSettings: {
    capacity: { vcpus: 16, ramMiB: 65536, volumeGiB: 100 },
    timings: { buildMs: 100, actionMs: 100, deleteMs: 1_000, volumeMs: 1_000 },
  },
};

/** A clock the test moves by hand, so "the delete ends at t + deleteMs" is exact. */
function sandbox() {
  let now = 1_000_000;
  const provider = new SandboxProvider(target, {
    sizes: { small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 } },
    baseUrl: 'http://127.0.0.1:1',
    now: () => now,
  });
  return { provider, tick: (ms: number) => (now += ms) };
}

/** Nova and EC2 ignore a repeated delete of something already going away; so must the simulation. */
describe('sandbox: a repeated delete never postpones the first one', () => {
  it('servers: deleting again while deleting keeps the original end time', async () => {
    const { provider, tick } = sandbox();
    const server = await provider.compute.createServer({
      brokerId: 'vm-1',
      name: 'x',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: 'ct-1',
    });
    tick(200);
    await provider.compute.deleteServer(server.id);
    for (let i = 0; i < 9; i++) {
      tick(100);
      await provider.compute.deleteServer(server.id);
    }
    tick(100); // 1 000 ms after the first delete
    await expect(provider.compute.getServer(server.id)).rejects.toMatchObject({ code: 'sandbox.notFound' });
  });

  it('volumes and snapshots: the same', async () => {
    const { provider, tick } = sandbox();
    const volume = await provider.blockStorage.createVolume({
      brokerId: 'vol-1',
      name: 'v',
      sizeGiB: 1,
      tags: {},
      clientToken: 'ct-2',
    });
    tick(1_000);
    const snapshot = await provider.blockStorage.createSnapshot(volume.id, { brokerId: 'snap-1', name: 's' });
    tick(1_000);
    await provider.blockStorage.deleteSnapshot(snapshot.id);
    await provider.blockStorage.deleteVolume(volume.id);
    tick(600);
    await provider.blockStorage.deleteSnapshot(snapshot.id);
    await provider.blockStorage.deleteVolume(volume.id);
    tick(400);
    await expect(provider.blockStorage.getSnapshot(snapshot.id)).rejects.toMatchObject({
      code: 'sandbox.notFound',
    });
    await expect(provider.blockStorage.getVolume(volume.id)).rejects.toMatchObject({
      code: 'sandbox.notFound',
    });
  });
});
