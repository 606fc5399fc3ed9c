import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import type { CloudSnapshot } from '../../core/ports/cloud/block-storage.ts';
import type { CloudServer } from '../../core/ports/cloud/compute.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import { waitFor } from '../support/wait-for.ts';
import { tenantNetworkContract } from './tenant-network-contract.ts';

/** What each provider's contract test hands the shared suite. */
export interface ProviderFixture {
  provider: CloudProvider;
  /** Two logical sizes the target offers, and a logical image. */
  size: string;
  otherSize: string;
  image: string;
  /** Upper bound for any single state transition on this cloud. */
  settleTimeoutMs: number;
  pollMs: number;
  /** Opens a console link as a browser would and answers the HTTP status, where the site serves the page. */
  openConsole?: (url: string) => Promise<number>;
  /**
   * Two of the cloud's own volume types (the catalogue's `standard` and `ssd` there): volumes are created
   * with the first and retyped to the second and back.
   */
  volumeTypes: [string, string];
  /** Why this cloud's storage backend cannot extend (the call must still be accepted); it can if absent. */
  extendUnavailable?: string;
  /** Removes anything the suite left behind (called once at the end). */
  cleanup?: () => Promise<void>;
}

const notFound = (error: unknown) => error instanceof BrokerError && error.kind === 'notFound';

/**
 * The provider contract: every cloud connector (sandbox, OpenStack, AWS) must pass these, so the core can
 * treat them alike. Tests run in order and share resources (one server, one volume) to keep real clouds
 * fast; each asserts behaviour the core relies on.
 */
export function describeProviderContract(name: string, setup: () => Promise<ProviderFixture>): void {
  describe(`provider contract: ${name}`, () => {
    let f: ProviderFixture;
    let p: CloudProvider;
    const run = randomUUID().slice(0, 8);
    const vmBrokerId = `vm-contract-${run}`;
    let server: CloudServer;

    const settle = (id: string, state: CloudServer['state']) =>
      waitFor(
        () => p.compute.getServer(id),
        (s) => s.state === state || s.state === 'error',
        {
          timeoutMs: f.settleTimeoutMs,
          intervalMs: f.pollMs,
          what: `server ${id} to be ${state}`,
        },
      );

    beforeAll(async () => {
      f = await setup();
      p = f.provider;
    });

    afterAll(async () => {
      await f?.cleanup?.();
    });

    describe('compute', () => {
      it('creates a server that carries the broker id and becomes active', async () => {
        const created = await p.compute.createServer({
          brokerId: vmBrokerId,
          name: `contract-${run}`,
          size: f.size,
          image: f.image,
          userData: '#cloud-config\n{}',
          tags: { 'hcb:vm': vmBrokerId, 'hcb:test': 'contract' },
          clientToken: `contract-${run}`,
        });
        expect(created.id).toBeTruthy();
        server = await settle(created.id, 'active');
        expect(server.state).toBe('active');
        expect(server.brokerId).toBe(vmBrokerId);
        expect(server.addresses.length).toBeGreaterThan(0);
      });

      it('finds the server again by broker id (lookup before create)', async () => {
        const found = await p.compute.findServerByBrokerId(vmBrokerId);
        expect(found?.id).toBe(server.id);
        expect(await p.compute.findServerByBrokerId(`vm-absent-${run}`)).toBeUndefined();
      });

      it('lists the server', async () => {
        const ids: string[] = [];
        for await (const s of p.compute.listServers()) ids.push(s.id);
        expect(ids).toContain(server.id);
      });

      it('translates a missing server into a notFound error', async () => {
        const missing = await p.compute.getServer(`missing-${run}`).catch((e: unknown) => e);
        expect(notFound(missing)).toBe(true);
      });

      it('stops and starts', async () => {
        await p.compute.stopServer(server.id);
        expect((await settle(server.id, 'stopped')).state).toBe('stopped');
        await p.compute.startServer(server.id);
        expect((await settle(server.id, 'active')).state).toBe('active');
      });

      it('reboots', async () => {
        await p.compute.rebootServer(server.id, 'soft');
        expect((await settle(server.id, 'active')).state).toBe('active');
      });

      it('pauses and unpauses where the cloud can, and says so where it cannot', async () => {
        if (!p.capabilities.has('pause')) {
          const refused = await p.compute.pauseServer(server.id).catch((e: unknown) => e);
          expect(refused).toBeInstanceOf(BrokerError);
          expect((refused as BrokerError).kind).toBe('unsupported');
          return;
        }
        await p.compute.pauseServer(server.id);
        expect((await settle(server.id, 'paused')).state).toBe('paused');
        await p.compute.unpauseServer(server.id);
        expect((await settle(server.id, 'active')).state).toBe('active');
      });

      it('resizes to another size (confirming where the cloud asks)', async () => {
        await p.compute.resizeServer(server.id, f.otherSize);
        const target = p.capabilities.has('resizeConfirm') ? 'verifyResize' : 'active';
        let resized = await waitFor(
          () => p.compute.getServer(server.id),
          (s) => s.state === target || s.state === 'error',
          { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs, what: 'resize' },
        );
        if (target === 'verifyResize') {
          expect(resized.state).toBe('verifyResize');
          await p.compute.confirmResize(server.id);
          resized = await settle(server.id, 'active');
        }
        expect(resized.state).toBe('active');
        expect(resized.sizeRef).toBe(p.target.sizes[f.otherSize]);
      });

      it('creates an image of the server that becomes available, and deletes it', async () => {
        const imageBrokerId = `img-contract-${run}`;
        const { imageId } = await p.compute.createServerImage(server.id, {
          name: `contract-${run}`,
          brokerId: imageBrokerId,
        });
        const image = await waitFor(
          () => p.images.getImage(imageId),
          (i) => i.state === 'available' || i.state === 'error',
          {
            timeoutMs: f.settleTimeoutMs,
            intervalMs: f.pollMs,
            what: 'image',
          },
        );
        expect(image.state).toBe('available');
        await p.images.deleteImage(imageId);
        await p.images.deleteImage(imageId); // idempotent
      });

      it('gives a console', async () => {
        const console = await p.compute.getConsole(server.id);
        if (console.kind === 'url') expect(console.url).toMatch(/^https?:\/\//);
        else expect(typeof console.output).toBe('string');
      });

      it('gives each console link its own token, expiring soon (or, without links, the output)', async () => {
        const first = await p.compute.getConsole(server.id);
        const second = await p.compute.getConsole(server.id);
        expect(first.kind).toBe(p.capabilities.has('consoleUrl') ? 'url' : 'output');
        if (first.kind === 'output' || second.kind === 'output') {
          expect(first.type).toBe('console-output');
          return;
        }
        // A new token each time: two links never coincide.
        expect(second.url).not.toBe(first.url);
        const ttl = Date.parse(first.expiresAt) - Date.now();
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(3_600_000);
        if (f.openConsole) {
          expect(await f.openConsole(first.url)).toBe(200);
          expect(await f.openConsole(first.url)).toBe(410);
          expect(await f.openConsole(second.url)).toBe(200);
        }
      });

      it('live-migrates to another host where it can (the host changes), and lists the move', async () => {
        if (!p.capabilities.has('liveMigrate')) {
          expect(server.host).toBeUndefined();
          expect(await p.compute.listMigrations(server.id)).toEqual([]);
          return;
        }
        const before = await p.compute.getServer(server.id);
        expect(before.host).toBeTruthy();
        await p.compute.liveMigrate(server.id);
        const after = await waitFor(
          () => p.compute.getServer(server.id),
          (s) => (s.state === 'active' && s.host !== before.host) || s.state === 'error',
          { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs, what: 'live migration' },
        );
        expect(after.state).toBe('active');
        expect(after.host).not.toBe(before.host);
        const migrations = await waitFor(
          () => p.compute.listMigrations(server.id),
          (list) => list[0]?.state === 'completed' || list[0]?.state === 'failed',
          { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs, what: 'migration record' },
        );
        expect(migrations[0]).toMatchObject({
          state: 'completed',
          sourceHost: before.host,
          destHost: after.host,
          progressPercent: 100,
        });
      });
    });

    describe('block storage', () => {
      const volumeBrokerId = `vol-contract-${run}`;
      let volumeId: string;

      it('creates a volume that becomes available and can be found by broker id', async () => {
        const volume = await p.blockStorage.createVolume({
          brokerId: volumeBrokerId,
          name: `contract-${run}`,
          sizeGiB: 1,
          tags: {},
          clientToken: `contract-vol-${run}`,
        });
        volumeId = volume.id;
        const ready = await waitFor(
          () => p.blockStorage.getVolume(volumeId),
          (v) => v.state === 'available' || v.state === 'error',
          {
            timeoutMs: f.settleTimeoutMs,
            intervalMs: f.pollMs,
            what: 'volume',
          },
        );
        expect(ready.state).toBe('available');
        expect(ready.sizeGiB).toBe(1);
        expect((await p.blockStorage.findVolumeByBrokerId(volumeBrokerId))?.id).toBe(volumeId);
      });

      it('attaches to the server and detaches again', async () => {
        await p.blockStorage.attachVolume(volumeId, server.id);
        const attached = await waitFor(
          () => p.blockStorage.getVolume(volumeId),
          (v) => v.state === 'inUse' || v.state === 'error',
          {
            timeoutMs: f.settleTimeoutMs,
            intervalMs: f.pollMs,
            what: 'attach',
          },
        );
        expect(attached.state).toBe('inUse');
        expect(attached.attachments.map((a) => a.serverId)).toContain(server.id);
        await p.blockStorage.detachVolume(volumeId, server.id);
        const detached = await waitFor(
          () => p.blockStorage.getVolume(volumeId),
          (v) => v.state === 'available' || v.state === 'error',
          {
            timeoutMs: f.settleTimeoutMs,
            intervalMs: f.pollMs,
            what: 'detach',
          },
        );
        expect(detached.state).toBe('available');
      });

      it('extends the attached volume online, idempotently', async () => {
        const wait = { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs };
        // Its own volume: a backend that cannot extend leaves it in error, which must not spoil the rest.
        const created = await p.blockStorage.createVolume({
          brokerId: `vol-extend-${run}`,
          name: `extend-${run}`,
          sizeGiB: 1,
          tags: {},
          clientToken: `contract-extend-${run}`,
        });
        const id = created.id;
        const settled = (v: { state: string }) => v.state === 'available' || v.state === 'error';
        await waitFor(() => p.blockStorage.getVolume(id), settled, { ...wait, what: 'volume' });
        if (f.extendUnavailable) {
          await p.blockStorage.extendVolume(id, 2);
          const failed = await waitFor(
            () => p.blockStorage.getVolume(id),
            (v) => v.state === 'error' || v.sizeGiB === 2,
            { ...wait, what: 'extend' },
          );
          expect(failed.state, f.extendUnavailable).toBe('error');
        } else {
          await p.blockStorage.attachVolume(id, server.id);
          const inUse = (v: { state: string }) => v.state === 'inUse' || v.state === 'error';
          await waitFor(() => p.blockStorage.getVolume(id), inUse, { ...wait, what: 'attach' });
          await p.blockStorage.extendVolume(id, 2);
          const grown = await waitFor(
            () => p.blockStorage.getVolume(id),
            (v) => (v.sizeGiB === 2 && inUse(v)) || v.state === 'error',
            { ...wait, what: 'extend' },
          );
          expect(grown.state).toBe('inUse');
          expect(grown.sizeGiB).toBe(2);
          await p.blockStorage.extendVolume(id, 2);
          await p.blockStorage.extendVolume(id, 1);
          expect((await p.blockStorage.getVolume(id)).sizeGiB).toBe(2);
          await p.blockStorage.detachVolume(id, server.id);
          await waitFor(() => p.blockStorage.getVolume(id), settled, { ...wait, what: 'detach' });
        }
        await p.blockStorage.deleteVolume(id);
        await waitFor(() => p.blockStorage.getVolume(id).then(() => false, notFound), Boolean, {
          ...wait,
          what: 'extended volume deletion',
        });
      });

      it('creates a volume of a given type and retypes it, attached and not, idempotently', async () => {
        const wait = { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs };
        const [first, second] = f.volumeTypes;
        const created = await p.blockStorage.createVolume({
          brokerId: `vol-retype-${run}`,
          name: `retype-${run}`,
          sizeGiB: 4,
          tags: {},
          clientToken: `contract-retype-${run}`,
          volumeType: first,
        });
        const id = created.id;
        const settled = (v: { state: string }) => ['available', 'inUse', 'error'].includes(v.state);
        const ready = await waitFor(() => p.blockStorage.getVolume(id), settled, { ...wait, what: 'volume' });
        expect(ready.state).toBe('available');
        expect(ready.volumeType).toBe(first);
        await p.blockStorage.attachVolume(id, server.id);
        const inUse = (v: { state: string }) => v.state === 'inUse' || v.state === 'error';
        await waitFor(() => p.blockStorage.getVolume(id), inUse, { ...wait, what: 'attach' });
        await p.blockStorage.retypeVolume(id, second);
        const retyped = await waitFor(
          () => p.blockStorage.getVolume(id),
          (v) => (v.volumeType === second && inUse(v)) || v.state === 'error',
          { ...wait, what: 'retype (attached)' },
        );
        expect(retyped).toMatchObject({ state: 'inUse', volumeType: second, sizeGiB: 4 });
        await p.blockStorage.retypeVolume(id, second);
        expect(await p.blockStorage.getVolume(id)).toMatchObject({ state: 'inUse', volumeType: second });
        await p.blockStorage.detachVolume(id, server.id);
        const available = (v: { state: string }) => v.state === 'available' || v.state === 'error';
        await waitFor(() => p.blockStorage.getVolume(id), available, { ...wait, what: 'detach' });
        await p.blockStorage.retypeVolume(id, first);
        const back = await waitFor(
          () => p.blockStorage.getVolume(id),
          (v) => (v.volumeType === first && v.state === 'available') || v.state === 'error',
          { ...wait, what: 'retype (detached)' },
        );
        expect(back).toMatchObject({ state: 'available', volumeType: first });
        await p.blockStorage.deleteVolume(id);
        await waitFor(() => p.blockStorage.getVolume(id).then(() => false, notFound), Boolean, {
          ...wait,
          what: 'retyped volume deletion',
        });
      });

      it('restores a new volume from a snapshot on the same target', async () => {
        const wait = { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs };
        const snapshot = await p.blockStorage.createSnapshot(volumeId, {
          brokerId: `snap-restore-${run}`,
          name: `restore-${run}`,
        });
        await waitFor(
          () => p.blockStorage.getSnapshot(snapshot.id),
          (s) => s.state === 'available' || s.state === 'error',
          { ...wait, what: 'snapshot' },
        );
        const restored = await p.blockStorage.createVolume({
          brokerId: `vol-restore-${run}`,
          name: `restore-${run}`,
          sizeGiB: 3,
          tags: {},
          clientToken: `contract-restore-${run}`,
          snapshotId: snapshot.id,
        });
        const ready = await waitFor(
          () => p.blockStorage.getVolume(restored.id),
          (v) => v.state === 'available' || v.state === 'error',
          { ...wait, what: 'restored volume' },
        );
        expect(ready.state).toBe('available');
        expect(ready.sizeGiB).toBe(3);
        expect((await p.blockStorage.findVolumeByBrokerId(`vol-restore-${run}`))?.id).toBe(restored.id);
        await p.blockStorage.deleteVolume(restored.id);
        await waitFor(() => p.blockStorage.getVolume(restored.id).then(() => false, notFound), Boolean, {
          ...wait,
          what: 'restored volume deletion',
        });
        await p.blockStorage.deleteSnapshot(snapshot.id);
        await waitFor(() => p.blockStorage.getSnapshot(snapshot.id).then(() => false, notFound), Boolean, {
          ...wait,
          what: 'snapshot deletion',
        });
      });

      it('snapshots the volume and deletes the snapshot', async () => {
        const snapshot = await p.blockStorage.createSnapshot(volumeId, {
          brokerId: `snap-contract-${run}`,
          name: `contract-${run}`,
        });
        const ready = await waitFor(
          () => p.blockStorage.getSnapshot(snapshot.id),
          (s) => s.state === 'available' || s.state === 'error',
          {
            timeoutMs: f.settleTimeoutMs,
            intervalMs: f.pollMs,
            what: 'snapshot',
          },
        );
        expect(ready.state).toBe('available');
        expect(ready.volumeId).toBe(volumeId);
        await p.blockStorage.deleteSnapshot(snapshot.id);
        await waitFor(() => p.blockStorage.getSnapshot(snapshot.id).then(() => false, notFound), Boolean, {
          timeoutMs: f.settleTimeoutMs,
          intervalMs: f.pollMs,
          what: 'snapshot deletion',
        });
      });

      it('keeps a series of snapshots of one volume (backup runs) and prunes the older, leaving the newer', async () => {
        const wait = { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs };
        const taken: CloudSnapshot[] = [];
        for (const slot of ['1', '2']) {
          const snapshot = await p.blockStorage.createSnapshot(volumeId, {
            brokerId: `snap-backup-${slot}-${run}`,
            name: `backup-${slot}-${run}`,
          });
          const ready = await waitFor(
            () => p.blockStorage.getSnapshot(snapshot.id),
            (s) => s.state === 'available' || s.state === 'error',
            { ...wait, what: `backup snapshot ${slot}` },
          );
          expect(ready.state).toBe('available');
          expect(ready.volumeId).toBe(volumeId);
          taken.push(ready);
        }
        const [older, newer] = taken as [CloudSnapshot, CloudSnapshot];
        expect(newer.id).not.toBe(older.id);
        expect((await p.blockStorage.findSnapshotByBrokerId(`snap-backup-1-${run}`))?.id).toBe(older.id);
        await p.blockStorage.deleteSnapshot(older.id);
        await p.blockStorage.deleteSnapshot(older.id);
        const gone = (s: CloudSnapshot | undefined) => s === undefined || s.state === 'deleted';
        await waitFor(() => p.blockStorage.findSnapshotByBrokerId(`snap-backup-1-${run}`), gone, {
          ...wait,
          what: 'pruned snapshot deletion',
        });
        expect((await p.blockStorage.getSnapshot(newer.id)).state).toBe('available');
        await p.blockStorage.deleteSnapshot(newer.id);
        await waitFor(() => p.blockStorage.findSnapshotByBrokerId(`snap-backup-2-${run}`), gone, {
          ...wait,
          what: 'kept snapshot deletion',
        });
      });

      it('deletes the volume, idempotently', async () => {
        await p.blockStorage.deleteVolume(volumeId);
        await waitFor(() => p.blockStorage.getVolume(volumeId).then(() => false, notFound), Boolean, {
          timeoutMs: f.settleTimeoutMs,
          intervalMs: f.pollMs,
          what: 'volume deletion',
        });
        await p.blockStorage.deleteVolume(volumeId);
      });
    });

    describe('object storage', () => {
      const bucket = `hcb-contract-${run}`;

      it('creates a bucket idempotently', async () => {
        await p.objectStorage.createBucket({ brokerId: `bkt-contract-${run}`, name: bucket, tags: {} });
        const again = await p.objectStorage.createBucket({
          brokerId: `bkt-contract-${run}`,
          name: bucket,
          tags: {},
        });
        expect(again.name).toBe(bucket);
      });

      it('round-trips real bytes through presigned links, and refuses a tampered one', async () => {
        const body = `contract bytes ${run}`;
        const put = await p.objectStorage.presign({
          bucket,
          key: 'dir/object.bin',
          method: 'PUT',
          expiresInSeconds: 300,
        });
        expect(Date.parse(put.expiresAt)).toBeGreaterThan(Date.now());
        const uploaded = await fetch(put.url, { method: 'PUT', body, headers: put.headers });
        expect(uploaded.ok).toBe(true);
        const get = await p.objectStorage.presign({
          bucket,
          key: 'dir/object.bin',
          method: 'GET',
          expiresInSeconds: 300,
        });
        const downloaded = await fetch(get.url, { headers: get.headers });
        expect(downloaded.status).toBe(200);
        expect(await downloaded.text()).toBe(body);
        // The PUT link must not serve as a GET link (the method is part of what is signed).
        const wrongMethod = await fetch(put.url, { headers: put.headers });
        expect(wrongMethod.ok).toBe(false);
      });

      it('refuses to delete a bucket that holds objects unless forced', async () => {
        const refused = await p.objectStorage.deleteBucket(bucket, { force: false }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(BrokerError);
        expect((refused as BrokerError).kind).toBe('conflict');
        await p.objectStorage.deleteBucket(bucket, { force: true });
        const gone = await p.objectStorage.getBucket(bucket).catch((e: unknown) => e);
        expect(notFound(gone)).toBe(true);
        await p.objectStorage.deleteBucket(bucket, { force: false }); // idempotent
      });
    });

    describe('network', () => {
      let groupId: string;

      it('ensures a security group idempotently by broker id', async () => {
        const group = await p.network.ensureSecurityGroup({
          brokerId: `lnk-contract-${run}`,
          name: `hcb-contract-${run}`,
          description: 'contract',
        });
        const again = await p.network.ensureSecurityGroup({
          brokerId: `lnk-contract-${run}`,
          name: `hcb-contract-${run}`,
          description: 'contract',
        });
        expect(again.id).toBe(group.id);
        groupId = group.id;
      });

      it('adds a rule once, removes it, and attaches the group to a server', async () => {
        const rule = {
          direction: 'ingress' as const,
          protocol: 'tcp' as const,
          port: 5432,
          remoteCidr: '10.1.2.0/24',
        };
        const added = await p.network.addRule(groupId, rule);
        const again = await p.network.addRule(groupId, rule);
        expect(again.id).toBe(added.id);
        expect((await p.network.getSecurityGroup(groupId)).rules.map((r) => r.id)).toContain(added.id);
        await p.network.removeRule(groupId, added.id);
        await p.network.removeRule(groupId, added.id);
        expect((await p.network.getSecurityGroup(groupId)).rules.map((r) => r.id)).not.toContain(added.id);
        await p.network.attachSecurityGroup(server.id, groupId);
        await p.network.detachSecurityGroup(server.id, groupId);
      });

      it('programs port ranges, IPv6 networks and ICMP, finds each again and removes exactly it', async () => {
        const rules = [
          {
            direction: 'ingress' as const,
            protocol: 'tcp' as const,
            port: 8000,
            portTo: 8080,
            remoteCidr: '203.0.113.0/24',
          },
          { direction: 'ingress' as const, protocol: 'tcp' as const, port: 443, remoteCidr: '2001:db8::/32' },
          {
            direction: 'egress' as const,
            protocol: 'udp' as const,
            port: 5000,
            portTo: 5010,
            remoteCidr: 'fd12:3456::/32',
          },
          { direction: 'ingress' as const, protocol: 'icmp' as const, remoteCidr: '::/0' },
          { direction: 'ingress' as const, protocol: 'icmp' as const, remoteCidr: '10.9.0.0/16' },
        ];
        const added: { id: string }[] = [];
        for (const rule of rules) {
          const one = await p.network.addRule(groupId, rule);
          expect((await p.network.addRule(groupId, rule)).id, JSON.stringify(rule)).toBe(one.id);
          added.push(one);
        }
        const read = (await p.network.getSecurityGroup(groupId)).rules;
        for (const [i, rule] of rules.entries())
          expect(
            read.find((r) => r.id === added[i]!.id),
            JSON.stringify(rule),
          ).toEqual({
            id: added[i]!.id,
            ...rule,
          });
        // Removing one leaves the others as they were.
        await p.network.removeRule(groupId, added[0]!.id);
        const left = (await p.network.getSecurityGroup(groupId)).rules.map((r) => r.id);
        expect(left).not.toContain(added[0]!.id);
        for (const other of added.slice(1)) expect(left).toContain(other.id);
        for (const other of added.slice(1)) await p.network.removeRule(groupId, other.id);
        const none = (await p.network.getSecurityGroup(groupId)).rules.map((r) => r.id);
        for (const one of added) expect(none).not.toContain(one.id);
      });

      it('deletes the group', async () => {
        await waitFor(
          () =>
            p.network.deleteSecurityGroup(groupId).then(
              () => true,
              () => false,
            ),
          Boolean,
          {
            timeoutMs: f.settleTimeoutMs,
            intervalMs: f.pollMs,
            what: 'security group deletion',
          },
        );
        const gone = await p.network.getSecurityGroup(groupId).catch((e: unknown) => e);
        expect(notFound(gone)).toBe(true);
      });
    });

    describe('public addresses', () => {
      const listed = async () => {
        const all = [];
        for await (const a of p.network.listPublicAddresses()) all.push(a);
        return all;
      };

      it('allocates one public address per broker VM, associates it, lists it, and releases it', async () => {
        const address = await p.network.allocatePublicAddress(server.id, vmBrokerId);
        expect(address.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(server.addresses).not.toContain(address.ip);
        const again = await p.network.allocatePublicAddress(server.id, vmBrokerId);
        expect(again).toMatchObject({ id: address.id, ip: address.ip });
        const mine = (await listed()).find((a) => a.id === address.id);
        expect(mine).toMatchObject({ ip: address.ip, brokerId: vmBrokerId, associated: true });
        await p.network.releasePublicAddress(address.id);
        await p.network.releasePublicAddress(address.id);
        expect((await listed()).some((a) => a.id === address.id)).toBe(false);
      });
    });

    describe('tenant networks', () => tenantNetworkContract(() => ({ ...f, provider: p })));

    describe('payloads', () => {
      it('keeps payloads on the target when it offers a payload store', async () => {
        if (!p.payloads) {
          expect(p.target.site).toBe('public');
          return;
        }
        const key = `userdata/contract-${run}`;
        await p.payloads.put(key, new TextEncoder().encode('payload'));
        expect(new TextDecoder().decode(await p.payloads.get(key))).toBe('payload');
        await p.payloads.delete(key);
        expect(await p.payloads.get(key)).toBeUndefined();
      });
    });

    describe('teardown', () => {
      it('deletes the server, idempotently, until the cloud no longer has it', async () => {
        await p.compute.deleteServer(server.id);
        await waitFor(
          () => p.compute.getServer(server.id).then((s) => s.state === 'deleted', notFound),
          Boolean,
          { timeoutMs: f.settleTimeoutMs, intervalMs: f.pollMs, what: 'server deletion' },
        );
        await p.compute.deleteServer(server.id);
        expect(await p.compute.findServerByBrokerId(vmBrokerId)).toBeUndefined();
      });
    });
  });
}
