import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Target } from '../../core/model/target.ts';
import { SandboxProvider } from './sandbox-provider.ts';
import type { SandboxData } from './sandbox-state.ts';

const target: Target = {
  id: 'sandbox-bounded',
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

/** Under churn, the simulated cloud holds (in memory and in its file) what exists, not all it ever held. */
describe('sandbox state: what finished deleting is dropped', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('servers, volumes and snapshots: gone from the file once deleted, and after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcb-sandbox-'));
    let now = 1_000_000;
    const open = () =>
      new SandboxProvider(target, {
        sizes: { small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 } },
        baseUrl: 'http://127.0.0.1:1',
        dataDir: dir,
        now: () => now,
      });
    const provider = open();
    const file = () => JSON.parse(readFileSync(join(dir, `${target.id}.json`), 'utf8')) as SandboxData;
    for (let round = 0; round < 20; round++) {
      const server = await provider.compute.createServer({
        brokerId: `vm-${round}`,
        name: 'churn',
        size: 'small',
        image: 'ubuntu-24.04',
        tags: {},
        clientToken: `ct-${round}`,
      });
      const volume = await provider.blockStorage.createVolume({
        brokerId: `vol-${round}`,
        name: 'churn',
        sizeGiB: 1,
        tags: {},
        clientToken: `cv-${round}`,
      });
      now += 1_000;
      const snapshot = await provider.blockStorage.createSnapshot(volume.id, {
        brokerId: `snap-${round}`,
        name: 'churn',
      });
      now += 1_000;
      await provider.compute.deleteServer(server.id);
      await provider.blockStorage.deleteSnapshot(snapshot.id);
      await provider.blockStorage.deleteVolume(volume.id);
      now += 1_000;
    }
    const kept = await provider.compute.createServer({
      brokerId: 'vm-kept',
      name: 'kept',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: 'ct-kept',
    });
    const stored = file();
    expect(Object.keys(stored.servers)).toEqual([kept.id]);
    expect(stored.volumes).toEqual({});
    expect(stored.snapshots).toEqual({});
    // A deleted server still answers "not found", as before.
    await expect(provider.compute.findServerByBrokerId('vm-3')).resolves.toBeUndefined();
    const servers = [];
    for await (const s of open().compute.listServers()) servers.push(s.id);
    expect(servers).toEqual([kept.id]);
  });

  it('a delete still in progress is kept until it ends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcb-sandbox-'));
    let now = 1_000_000;
    const provider = new SandboxProvider(target, {
      sizes: { small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 } },
      baseUrl: 'http://127.0.0.1:1',
      dataDir: dir,
      now: () => now,
    });
    const server = await provider.compute.createServer({
      brokerId: 'vm-1',
      name: 'x',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: 'ct-1',
    });
    now += 200;
    await provider.compute.deleteServer(server.id);
    now += 500;
    await expect(provider.compute.getServer(server.id)).resolves.toMatchObject({ state: 'deleting' });
    now += 500;
    await expect(provider.compute.getServer(server.id)).rejects.toMatchObject({ code: 'sandbox.notFound' });
  });
});
