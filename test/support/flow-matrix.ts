import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/ports/clock.ts';
import type { Harness } from './broker-harness.ts';
import { backupCell } from './flow-matrix-backup.ts';
import { networkCell } from './network-cell.ts';

export type Classification = 'phi' | 'pii' | 'internal' | 'public';
export type Site = 'onprem' | 'public';
type Operation = 'attach' | 'snapshot' | 'copy' | 'link' | 'presign' | 'backup' | 'retype' | 'network';
type Outcome = 'allowed' | 'denied' | 'unsupported';

/** Where the matrix runs: two targets per site, with distinct regions (a requested region places). */
export interface MatrixEnvironment {
  harness: Harness;
  /** [A, B]: A hosts the sources; B is the other target of the same site. */
  onprem: [string, string];
  /** [C, D]: C must be HIPAA-eligible (pii may run there). */
  public: [string, string];
  /** Whether two targets are of one cloud kind (images copy only between those). */
  sameCloud(a: string, b: string): boolean;
  settleMs: number;
  cleanup?(): Promise<void>;
}

const CLASSIFICATIONS: Classification[] = ['phi', 'pii', 'internal', 'public'];
const SITES: Site[] = ['onprem', 'public'];
const OPERATIONS: Operation[] = [
  'attach',
  'snapshot',
  'copy',
  'link',
  'presign',
  'backup',
  'retype',
  'network',
];

const LINK_SHAPES = [
  'inbound-internet-v4',
  'inbound-internet-v6-icmp',
  'inbound-private-range',
  'outbound-internet-v6-range',
  'inbound-ssh-in-range',
] as const;
type LinkShape = (typeof LINK_SHAPES)[number];

/** The request for a link shape on VM `vm`, and the policy that must deny it (none: allowed). */
function linkShape(
  shape: LinkShape,
  vm: string,
  c: Classification,
): {
  body: { from: Record<string, string>; to: Record<string, string> } & Record<string, unknown>;
  deniedBy?: string;
} {
  const phi = c === 'phi';
  switch (shape) {
    case 'inbound-internet-v4':
      return {
        body: { from: { cidr: '0.0.0.0/0' }, to: { vmId: vm }, protocol: 'tcp', port: 443 },
        ...(phi ? { deniedBy: 'flow.phi-no-internet-inbound' } : {}),
      };
    case 'inbound-internet-v6-icmp':
      return {
        body: { from: { cidr: '::/0' }, to: { vmId: vm }, protocol: 'icmp' },
        ...(phi ? { deniedBy: 'flow.phi-no-internet-inbound' } : {}),
      };
    case 'inbound-private-range':
      return {
        body: {
          from: { cidr: '10.30.0.0/16' },
          to: { vmId: vm },
          protocol: 'tcp',
          ports: { from: 8000, to: 8100 },
        },
      };
    case 'outbound-internet-v6-range':
      return {
        body: {
          from: { vmId: vm },
          to: { cidr: '2001:db8::/32' },
          protocol: 'udp',
          ports: { from: 5000, to: 5010 },
        },
        ...(phi ? { deniedBy: 'flow.phi-no-internet' } : {}),
      };
    case 'inbound-ssh-in-range':
      // Remote administration is never opened to the internet, whatever the classification.
      return {
        body: {
          from: { cidr: '198.51.100.0/24' },
          to: { vmId: vm },
          protocol: 'tcp',
          ports: { from: 20, to: 30 },
        },
        deniedBy: phi ? 'flow.phi-no-internet-inbound' : 'flow.no-internet-remote-admin',
      };
  }
}

/** The shipped policies' answer for each cell (docs/design.md, I1 and the flow rules). */
function expected(op: Operation, c: Classification, s: Site, crossCloud: boolean): Outcome {
  const phiToPublic = c === 'phi' && s === 'public';
  if (op === 'snapshot' || op === 'presign' || op === 'backup') return 'allowed';
  if (phiToPublic) return 'denied';
  if (op === 'copy' && crossCloud) return 'unsupported';
  return 'allowed';
}

/** The broker's clock in the matrix: the system's, moved ahead by what the backup cells advanced it. */
export interface MatrixClock extends Clock {
  advance(ms: number): void;
}

function matrixClock(): MatrixClock {
  let ahead = 0;
  return {
    now: () => new Date(Date.now() + ahead),
    advance: (ms) => {
      ahead += ms;
    },
  };
}

/**
 * The matrix classification × site × operation (attach, snapshot, copy, link, presign, backup, retype,
 * network): allowed cells succeed end to end; denied ones answer 403 naming the policies and leave nothing
 * behind; a phi workload asking for a public region is refused. `setup` starts the broker on `clock` (the
 * backup cells move it on to reach the next cron slot).
 */
export function describeFlowMatrix(
  name: string,
  setup: (clock: MatrixClock) => Promise<MatrixEnvironment>,
): void {
  describe(`flow matrix: ${name}`, () => {
    let env: MatrixEnvironment;
    const clock = matrixClock();
    let h: Harness;
    let app: string;
    const region = new Map<string, string>();
    /**
     * vms[c][s]: a VM of classification c created in the region of site s's first target — for phi, of the
     * on-prem one whatever s (a phi VM asking for a public region is refused: see below).
     */
    const vms = {} as Record<Classification, Record<Site, { id: string; targetId: string }>>;

    const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
      expect(reply.status, reply.text).toBe(202);
      const op = await h.settle(app, reply.body.operation.id, env.settleMs);
      expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
      return op;
    };
    const wish = (s: Site) => region.get(s === 'onprem' ? env.onprem[0] : env.public[0])!;
    /** The region to ask for: site s's, except that phi may only ask for an on-prem one. */
    const placeIn = (c: Classification, s: Site) => wish(c === 'phi' ? 'onprem' : s);
    const home = (c: Classification, s: Site) =>
      c === 'phi' || s === 'onprem' ? env.onprem[0] : env.public[0];
    const count = async (path: string) =>
      (await h.call('GET', `${path}?limit=100`, { token: app })).body.items.length;

    beforeAll(async () => {
      env = await setup(clock);
      h = env.harness;
      app = await h.token('tenant-matrix', ['app']);
      const targets = (await h.call('GET', '/v1/targets', { token: app })).body.items as {
        id: string;
        region: string;
      }[];
      for (const t of targets) region.set(t.id, t.region);
      await Promise.all(
        CLASSIFICATIONS.flatMap((c) =>
          SITES.map(async (s) => {
            const reply = await h.call('POST', '/v1/vms', {
              token: app,
              body: {
                name: `m-${c}-${s}`,
                size: 'small',
                image: 'ubuntu-24.04',
                classification: c,
                region: placeIn(c, s),
              },
            });
            await settle(reply);
            vms[c] ??= {} as Record<Site, { id: string; targetId: string }>;
            vms[c][s] = { id: reply.body.vm.id, targetId: reply.body.vm.placement.targetId };
          }),
        ),
      );
    });
    afterAll(async () => {
      // Leave nothing behind on real clouds: images (snapshots and copies) first, then the VMs.
      if (h && app) {
        for (const kind of ['images', 'vms'] as const) {
          const items = (await h.call('GET', `/v1/${kind}?limit=100`, { token: app })).body.items as {
            id: string;
          }[];
          await Promise.all(
            items.map(async ({ id }) => {
              const reply = await h.call('DELETE', `/v1/${kind}/${id}`, { token: app });
              if (reply.status === 202) await h.settle(app, reply.body.operation.id, env.settleMs);
            }),
          );
        }
      }
      await env?.cleanup?.();
    });

    it('places every VM in its requested region; refuses a phi workload a public one', async () => {
      for (const c of CLASSIFICATIONS)
        for (const s of SITES) expect(vms[c][s].targetId, `${c}/${s}`).toBe(home(c, s));
      const before = await count('/v1/vms');
      const refused = await h.call('POST', '/v1/vms', {
        token: app,
        body: {
          name: 'm-phi-refused',
          size: 'small',
          image: 'ubuntu-24.04',
          classification: 'phi',
          region: wish('public'),
        },
      });
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.code).toBe('placement.noPermittedTarget');
      expect(await count('/v1/vms')).toBe(before);
    });

    const cells = OPERATIONS.flatMap((op) =>
      CLASSIFICATIONS.flatMap((c) => SITES.map((s) => [op, c, s] as const)),
    );

    it.each(cells)('%s · %s · %s', async (op, c, s) => {
      const destination = s === 'onprem' ? env.onprem[1] : env.public[0];
      const outcome = expected(op, c, s, !env.sameCloud(env.onprem[0], destination));
      const deny = (
        reply: { status: number; text: string; body: { code: string; details: { policies: string[] } } },
        code: string,
      ) => {
        expect(reply.status, reply.text).toBe(403);
        expect(reply.body.code).toBe(code);
        expect(reply.body.details.policies.length).toBeGreaterThan(0);
      };

      if (op === 'network') {
        // phi never gets a public network; every network made is gone from its cloud after its delete.
        await networkCell(h, {
          classification: c,
          site: s,
          region: wish(s),
          home: home(c, s),
          denied: outcome === 'denied',
          settleMs: env.settleMs,
        });
        return;
      }

      if (op === 'snapshot') {
        const snap = await settle(
          await h.call('POST', `/v1/vms/${vms[c][s].id}/actions`, {
            token: app,
            body: { type: 'snapshot', name: `s-${c}-${s}` },
          }),
        );
        const image = (await h.call('GET', `/v1/images/${snap.result.imageId}`, { token: app })).body;
        expect(image).toMatchObject({
          status: 'available',
          classification: c,
          placement: { targetId: home(c, s) },
        });
        return;
      }

      if (op === 'presign') {
        const created = await h.call('POST', '/v1/buckets', {
          token: app,
          body: { name: `b-${c}-${s}`, classification: c, region: placeIn(c, s) },
        });
        expect(created.body.bucket.placement.targetId).toBe(home(c, s));
        await settle(created);
        const id = created.body.bucket.id;
        const put = await h.call('POST', `/v1/buckets/${id}/presign`, {
          token: app,
          body: { key: 'k/1.bin', method: 'PUT', expiresInSeconds: 120 },
        });
        expect(
          (await fetch(put.body.url, { method: 'PUT', body: `${c}/${s}`, headers: put.body.headers })).ok,
        ).toBe(true);
        const get = await h.call('POST', `/v1/buckets/${id}/presign`, {
          token: app,
          body: { key: 'k/1.bin', method: 'GET', expiresInSeconds: 60 },
        });
        expect(await (await fetch(get.body.url, { headers: get.body.headers })).text()).toBe(`${c}/${s}`);
        await settle(await h.call('DELETE', `/v1/buckets/${id}?force=true`, { token: app }));
        return;
      }

      if (op === 'backup') {
        await backupCell(
          { h, app, clock, settleMs: env.settleMs, settle, region: placeIn(c, s), home: home(c, s) },
          c,
          s,
        );
        return;
      }

      if (op === 'retype') {
        // A volume of classification c on site s (phi: on-prem) changes type on its own target; a retype
        // naming a target of the other site is refused — by policy for phi (403 naming it), and by the
        // one-target rule for the rest (409) — and changes nothing.
        const created = await h.call('POST', '/v1/volumes', {
          token: app,
          body: { name: `r-${c}-${s}`, sizeGiB: 1, classification: c, region: placeIn(c, s) },
        });
        await settle(created);
        const volumeId = created.body.volume.id;
        const where = home(c, s);
        expect(created.body.volume).toMatchObject({ type: 'standard', placement: { targetId: where } });
        const result = await settle(
          await h.call('POST', `/v1/volumes/${volumeId}/retype`, { token: app, body: { type: 'ssd' } }),
        );
        expect(result.result.type).toBe('ssd');
        const elsewhere = where === env.onprem[0] ? env.public[0] : env.onprem[0];
        const moved = await h.call('POST', `/v1/volumes/${volumeId}/retype`, {
          token: app,
          body: { type: 'standard', targetId: elsewhere },
        });
        if (c === 'phi') {
          deny(moved, 'retype.denied');
          expect(moved.body.details.policies).toEqual(['flow.phi-copy-onprem-only']);
        } else {
          expect(moved.status, moved.text).toBe(409);
          expect(moved.body.code).toBe('volume.targetMismatch');
        }
        expect((await h.call('GET', `/v1/volumes/${volumeId}`, { token: app })).body).toMatchObject({
          type: 'ssd',
          status: 'available',
          placement: { targetId: where },
        });
        await settle(await h.call('DELETE', `/v1/volumes/${volumeId}`, { token: app }));
        return;
      }

      if (op === 'attach') {
        const created = await h.call('POST', '/v1/volumes', {
          token: app,
          body: { name: `v-${c}-${s}`, sizeGiB: 1, classification: c, region: placeIn(c, s) },
        });
        await settle(created);
        const volumeId = created.body.volume.id;
        // The VM on the wished site: a public-class one, so the volume's classification alone decides.
        const vm = vms[c === 'phi' && s === 'public' ? 'public' : c][s];
        const reply = await h.call('POST', `/v1/volumes/${volumeId}/attach`, {
          token: app,
          body: { vmId: vm.id },
        });
        if (outcome === 'denied') {
          deny(reply, 'attach.denied');
          expect((await h.call('GET', `/v1/volumes/${volumeId}`, { token: app })).body).toMatchObject({
            status: 'available',
          });
        } else {
          await settle(reply);
          expect((await h.call('GET', `/v1/volumes/${volumeId}`, { token: app })).body.attachment.vmId).toBe(
            vm.id,
          );
          await settle(await h.call('POST', `/v1/volumes/${volumeId}/detach`, { token: app }));
        }
        await settle(await h.call('DELETE', `/v1/volumes/${volumeId}`, { token: app }));
        return;
      }

      if (op === 'copy') {
        const snap = await settle(
          await h.call('POST', `/v1/vms/${vms[c].onprem.id}/actions`, {
            token: app,
            body: { type: 'snapshot', name: `c-${c}-${s}` },
          }),
        );
        const before = await count('/v1/images');
        const reply = await h.call('POST', `/v1/images/${snap.result.imageId}/copy`, {
          token: app,
          body: { targetId: destination },
        });
        if (outcome === 'denied') deny(reply, 'copy.denied');
        if (outcome === 'unsupported') expect(reply.body.code).toBe('copy.unsupported');
        if (outcome !== 'allowed') {
          expect(await count('/v1/images')).toBe(before);
          return;
        }
        await settle(reply);
        const copy = (await h.call('GET', `/v1/images/${reply.body.image.id}`, { token: app })).body;
        expect(copy).toMatchObject({
          status: 'available',
          classification: c,
          placement: { targetId: destination },
        });
        return;
      }

      // link: from a VM of classification c on-prem to a non-phi VM on site s (another VM than the source).
      const before = await count('/v1/links');
      const to = vms[c === 'public' ? 'internal' : 'public'][s];
      const reply = await h.call('POST', '/v1/links', {
        token: app,
        body: { from: { vmId: vms[c].onprem.id }, to: { vmId: to.id }, protocol: 'tcp', port: 8443 },
      });
      if (outcome === 'denied') {
        deny(reply, 'link.denied');
        expect(await count('/v1/links')).toBe(before);
        return;
      }
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body.rules).toHaveLength(2);
      expect((await h.call('DELETE', `/v1/links/${reply.body.id}`, { token: app })).status).toBe(200);
    });

    // The link shapes beyond VM → VM on one port, each against a VM of classification c on site s (phi:
    // on-prem): inbound from a network, port ranges, icmp, IPv6. Allowed ones program exactly one rule and
    // delete cleanly; denied ones answer 403 naming the policy and leave nothing.
    const shapeCells = LINK_SHAPES.flatMap((shape) =>
      CLASSIFICATIONS.flatMap((c) => SITES.map((s) => [shape, c, s] as const)),
    );
    it.each(shapeCells)('link shape %s · %s · %s', async (shape, c, s) => {
      const vm = vms[c][s].id;
      const { body, deniedBy } = linkShape(shape, vm, c);
      const before = await count('/v1/links');
      const reply = await h.call('POST', '/v1/links', { token: app, body });
      if (deniedBy) {
        expect(reply.status, reply.text).toBe(403);
        expect(reply.body.code).toBe('link.denied');
        expect(reply.body.details.policies).toContain(deniedBy);
        expect(await count('/v1/links')).toBe(before);
        return;
      }
      expect(reply.status, reply.text).toBe(201);
      expect(reply.body.rules).toEqual([
        { end: 'cidr' in body.from ? 'to' : 'from', targetId: vms[c][s].targetId },
      ]);
      const removed = await h.call('DELETE', `/v1/links/${reply.body.id}`, { token: app });
      expect(removed.status, removed.text).toBe(200);
      expect(removed.body).toMatchObject({ status: 'deleted', rules: [] });
    });

    // Public addresses: the `expose` flow. phi and pii never get one, on either site; the others get one
    // (shown on the VM as `public`) and give it back, leaving nothing allocated.
    const addressCells = CLASSIFICATIONS.flatMap((c) => SITES.map((s) => [c, s] as const));
    it.each(addressCells)('public address · %s · %s', async (c, s) => {
      const vm = vms[c][s];
      const publicIps = async () =>
        (
          (await h.call('GET', `/v1/vms/${vm.id}`, { token: app })).body.addresses as { type: string }[]
        ).filter((a) => a.type === 'public');
      const reply = await h.call('POST', `/v1/vms/${vm.id}/addresses`, { token: app });
      if (c === 'phi' || c === 'pii') {
        expect(reply.status, reply.text).toBe(403);
        expect(reply.body.code).toBe('address.denied');
        expect(reply.body.details.policies).toEqual(['flow.no-public-address-for-phi-pii']);
        expect(await publicIps()).toEqual([]);
        return;
      }
      expect(reply.status, reply.text).toBe(201);
      expect(await publicIps()).toHaveLength(1);
      expect((await h.call('DELETE', `/v1/vms/${vm.id}/addresses`, { token: app })).status).toBe(200);
      expect(await publicIps()).toEqual([]);
    });
  });
}
