import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';

interface SizeOnTarget {
  targetId: string;
  flavor: string;
  placeableNow: boolean;
  blockers: string[];
  capacityKnown: boolean;
}

/**
 * GET /v1/sizes: each logical size with vCPUs, RAM and disk, per target its flavor and whether it fits now;
 * GET /v1/images: the tenant's images, then the catalogue's public ones (read-only, not deletable).
 */
describe('sizes and images, visible', () => {
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    // The south data centre with room for 3 vCPUs: large (4) never fits, medium (2) fits until a VM runs.
    const targetsFile = join(
      (await import('node:os')).tmpdir(),
      `targets-sizes-${process.pid}-${Date.now()}.yaml`,
    );
    const yaml = readFileSync(FAST_TARGETS, 'utf8');
    const south = yaml.indexOf('id: sandbox-onprem-south');
    const capacity = yaml.indexOf('capacity:', south);
    const end = yaml.indexOf('\n', capacity);
    writeFileSync(
      targetsFile,
      `${yaml.slice(0, capacity)}capacity: { vcpus: 3, ramMiB: 262144, volumeGiB: 20000 }${yaml.slice(end)}`,
    );
    h = await startHarness({ targetsFile });
    app = await h.token('tenant-sizes', ['app']);
  });
  afterAll(() => h.close());

  const sizes = async () => {
    const reply = await h.call('GET', '/v1/sizes', { token: app });
    expect(reply.status, reply.text).toBe(200);
    return reply.body.items as {
      name: string;
      vcpus: number;
      ramMiB: number;
      diskGiB: number;
      targets: SizeOnTarget[];
    }[];
  };
  const on = (items: Awaited<ReturnType<typeof sizes>>, size: string, target: string) =>
    items.find((s) => s.name === size)!.targets.find((t) => t.targetId === target)!;

  it('lists each logical size with what it is and, per target, the flavor behind it', async () => {
    const items = await sizes();
    expect(items.map((s) => [s.name, s.vcpus, s.ramMiB, s.diskGiB])).toEqual([
      ['small', 1, 2048, 20],
      ['medium', 2, 4096, 40],
      ['large', 4, 8192, 80],
    ]);
    for (const size of items) expect(size.targets.map((t) => t.targetId).sort()).toHaveLength(4);
    expect(on(items, 'small', 'sandbox-onprem-north')).toMatchObject({
      flavor: 'sb.small',
      placeableNow: true,
    });
    expect(on(items, 'large', 'sandbox-public-east')).toMatchObject({
      flavor: 'sb.t3.large',
      placeableNow: true,
      blockers: [],
      capacityKnown: true,
    });
  });

  it('says where a size cannot be placed now, and why: capacity the cloud reports', async () => {
    expect(on(await sizes(), 'large', 'sandbox-onprem-south')).toMatchObject({
      placeableNow: false,
      blockers: ['capacity.vcpus'],
    });
    expect(on(await sizes(), 'medium', 'sandbox-onprem-south').placeableNow).toBe(true);
    const vm = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name: 'fill-south',
        size: 'medium',
        image: 'ubuntu-24.04',
        classification: 'internal',
        region: 'south',
      },
    });
    expect(vm.status, vm.text).toBe(202);
    expect((await h.settle(app, vm.body.operation.id)).status).toBe('succeeded');
    // The capacity view is cached for a while; a fresh broker process would see it at once.
    const deadline = Date.now() + 40_000;
    let medium = on(await sizes(), 'medium', 'sandbox-onprem-south');
    while (medium.placeableNow && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      medium = on(await sizes(), 'medium', 'sandbox-onprem-south');
    }
    expect(medium).toMatchObject({ placeableNow: false, blockers: ['capacity.vcpus'] });
    expect(on(await sizes(), 'small', 'sandbox-onprem-south').placeableNow).toBe(true);
  }, 60_000);

  it('says a target that is down cannot place anything now', async () => {
    const operator = await h.token('tenant-sizes', ['operator']);
    const fault = await h.call('PUT', '/v1/sandbox/targets/sandbox-public-west/faults', {
      token: operator,
      body: { rules: [{ type: 'fail', kind: 'unavailable', count: 1000 }], latencyMs: 0 },
    });
    expect(fault.status, fault.text).toBe(200);
    const deadline = Date.now() + 40_000;
    let small = on(await sizes(), 'small', 'sandbox-public-west');
    while (small.placeableNow && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      small = on(await sizes(), 'small', 'sandbox-public-west');
    }
    expect(small.placeableNow).toBe(false);
    expect(small.blockers).toContain('target.down');
    await h.call('PUT', '/v1/sandbox/targets/sandbox-public-west/faults', {
      token: operator,
      body: { rules: [], latencyMs: 0 },
    });
  }, 60_000);

  it("lists the catalogue's public images after the tenant's own, read-only and not deletable", async () => {
    const reply = await h.call('GET', '/v1/images?limit=100', { token: app });
    expect(reply.status, reply.text).toBe(200);
    const ubuntu = reply.body.items.find((i: { id: string }) => i.id === 'ubuntu-24.04');
    expect(ubuntu).toMatchObject({ name: 'ubuntu-24.04', visibility: 'public', readOnly: true });
    expect(ubuntu.targets).toContainEqual({ targetId: 'sandbox-onprem-north', cloudImage: 'sb-ubuntu-2404' });
    const onNorth = await h.call('GET', '/v1/images?targetId=sandbox-onprem-north', { token: app });
    expect(onNorth.body.items.find((i: { id: string }) => i.id === 'ubuntu-24.04').targets).toEqual([
      { targetId: 'sandbox-onprem-north', cloudImage: 'sb-ubuntu-2404' },
    ]);

    const refused = await h.call('DELETE', '/v1/images/ubuntu-24.04', { token: app });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.code).toBe('image.readOnly');
    const admin = await h.token('tenant-sizes', ['admin']);
    expect((await h.call('DELETE', '/v1/images/ubuntu-24.04', { token: admin })).status).toBe(409);
    expect((await h.call('DELETE', '/v1/images/no-such-image', { token: app })).status).toBe(404);
    const still = await h.call('GET', '/v1/images?limit=100', { token: app });
    expect(still.body.items.map((i: { id: string }) => i.id)).toContain('ubuntu-24.04');
  });

  it('pages through own and public images with every item once', async () => {
    const snap = await h.call('GET', '/v1/vms?limit=1', { token: app });
    const vmId = snap.body.items[0].id;
    for (const name of ['img-a', 'img-b']) {
      const reply = await h.call('POST', `/v1/vms/${vmId}/actions`, {
        token: app,
        body: { type: 'snapshot', name },
      });
      expect(reply.status, reply.text).toBe(202);
      expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.call(
        'GET',
        `/v1/images?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        {
          token: app,
        },
      );
      expect(page.status, page.text).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor && seen.length < 20);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect(seen.at(-1)).toBe('ubuntu-24.04');
  }, 60_000);
});
