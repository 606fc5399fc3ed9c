import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { NeutronSecurityGroups } from '../../connectors/openstack/neutron-security-groups.ts';
import type { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import { fakeHypervisorUploads, OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

/** The real OpenStack on 127.0.0.1 as the on-prem target, next to the simulated public targets. */
function catalogue(): string {
  const base = readFileSync(FAST_TARGETS, 'utf8');
  const target = {
    ...openstackTarget({ id: 'openstack-dc1', ranking: { preference: 30, costPerVcpuHour: 0.03 } }),
  };
  const { kinds: _kinds, ...entry } = target;
  const openstack = stringify([entry], { indent: 2 })
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-')), 'targets.yaml');
  writeFileSync(file, base.replace('targets:\n', `targets:\n${openstack}\n`));
  return file;
}

describe('the broker end to end with a real OpenStack target', () => {
  let h: Harness;
  let app: string;
  let os: OpenStackProvider;
  let stopUploads: () => void = () => undefined;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: catalogue() });
    app = await h.token('tenant-os', ['app']);
    os = h.broker.providers.get('openstack-dc1') as OpenStackProvider;
    // Nova's fake driver never uploads a snapshot's bytes; stand in for the hypervisor (tests only).
    stopUploads = fakeHypervisorUploads(os, 'img-');
  });
  afterAll(async () => {
    stopUploads();
    await h?.close();
  });

  const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await h.settle(app, reply.body.operation.id, 300_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    return op;
  };
  const get = async (path: string) => (await h.call('GET', path, { token: app })).body;
  const createVm = async (name: string) => {
    const reply = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name,
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'phi',
        userData: '#cloud-config\n{}',
      },
    });
    expect(reply.body.vm.placement).toMatchObject({
      targetId: 'openstack-dc1',
      cloud: 'openstack',
      site: 'onprem',
    });
    const op = await settle(reply);
    return { id: reply.body.vm.id as string, serverId: op.result.serverId as string };
  };

  let vm: { id: string; serverId: string };
  let peer: { id: string; serverId: string };

  it('places a phi VM on OpenStack; it reaches active on the broker network, its user data gone from Swift', async () => {
    vm = await createVm('ehr-app');
    const got = await get(`/v1/vms/${vm.id}`);
    expect(got.status).toBe('active');
    expect(got.addresses[0].ip).toMatch(/^10\.77\.0\./);
    const server = await os.compute.getServer(vm.serverId);
    expect(server.brokerId).toBe(vm.id);
    expect(await os.payloads!.get(`userdata/${vm.id}`)).toBeUndefined();
  });

  it('runs every action: stop, start, reboot, pause, unpause, resize (confirmed), snapshot, console, live migrate', async () => {
    for (const [action, status] of [
      [{ type: 'stop' }, 'stopped'],
      [{ type: 'start' }, 'active'],
      [{ type: 'reboot' }, 'active'],
      [{ type: 'pause' }, 'paused'],
      [{ type: 'unpause' }, 'active'],
      [{ type: 'resize', size: 'medium' }, 'active'],
    ] as const) {
      await settle(await h.call('POST', `/v1/vms/${vm.id}/actions`, { token: app, body: action }));
      expect((await get(`/v1/vms/${vm.id}`)).status, action.type).toBe(status);
    }
    // Live migration between the cloud's two fake compute hosts: the admin view shows it moved.
    const admin = await h.token('tenant-os', ['admin']);
    const hosting = async () =>
      (await h.call('GET', `/v1/vms/${vm.id}?view=admin`, { token: admin })).body.hosting;
    const before = await hosting();
    expect(before.host).toBeTruthy();
    await settle(await h.call('POST', `/v1/vms/${vm.id}/actions`, { token: app, body: { type: 'migrate' } }));
    expect((await get(`/v1/vms/${vm.id}`)).status).toBe('active');
    const after = await hosting();
    expect(after.host).not.toBe(before.host);
    expect(after.migrations[0]).toMatchObject({
      state: 'completed',
      sourceHost: before.host,
      destHost: after.host,
    });
    expect((await get(`/v1/vms/${vm.id}`)).size).toBe('medium');
    expect((await os.compute.getServer(vm.serverId)).sizeRef).toBe('m1.medium');
    const snapshot = await settle(
      await h.call('POST', `/v1/vms/${vm.id}/actions`, {
        token: app,
        body: { type: 'snapshot', name: 'baseline' },
      }),
    );
    expect(await get(`/v1/images/${snapshot.result.imageId}`)).toMatchObject({
      status: 'available',
      classification: 'phi',
    });
    const console = await h.call('POST', `/v1/vms/${vm.id}/actions`, {
      token: admin,
      body: { type: 'console' },
    });
    expect(console.status).toBe(200);
    expect(console.body.console).toMatchObject({ kind: 'url', protocol: 'vnc', type: 'novnc' });
    expect(Date.parse(console.body.console.expiresAt)).toBeGreaterThan(Date.now());
    await settle(await h.call('DELETE', `/v1/images/${snapshot.result.imageId}`, { token: app }));
  });

  let volumeId: string;
  let volumeCloudId: string;

  it('attaches a Cinder volume through Nova and detaches it again', async () => {
    const created = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'charts', sizeGiB: 1, classification: 'phi' },
    });
    expect(created.body.volume.placement.targetId).toBe('openstack-dc1');
    volumeCloudId = (await settle(created)).result.volumeId;
    volumeId = created.body.volume.id;
    await settle(
      await h.call('POST', `/v1/volumes/${volumeId}/attach`, { token: app, body: { vmId: vm.id } }),
    );
    expect(await get(`/v1/volumes/${volumeId}`)).toMatchObject({
      status: 'in-use',
      attachment: { vmId: vm.id },
    });
    expect((await os.blockStorage.getVolume(volumeCloudId)).attachments.map((a) => a.serverId)).toEqual([
      vm.serverId,
    ]);
    await settle(await h.call('POST', `/v1/volumes/${volumeId}/detach`, { token: app }));
    expect((await os.blockStorage.getVolume(volumeCloudId)).state).toBe('available');
  });

  let bucketId: string;

  it('round-trips bytes through Swift TempURLs the broker signs; a tampered link is refused', async () => {
    const created = await h.call('POST', '/v1/buckets', {
      token: app,
      body: { name: 'scans', classification: 'phi' },
    });
    expect(created.body.bucket.placement.targetId).toBe('openstack-dc1');
    await settle(created);
    bucketId = created.body.bucket.id;
    const bytes = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 13) % 256));
    const put = await h.call('POST', `/v1/buckets/${bucketId}/presign`, {
      token: app,
      body: { key: 'study/1.dcm', method: 'PUT', expiresInSeconds: 300 },
    });
    expect(new URL(put.body.url).port).toBe('8080');
    expect(
      (await fetch(put.body.url, { method: 'PUT', body: bytes, headers: put.body.headers })).status,
    ).toBe(201);
    const link = await h.call('POST', `/v1/buckets/${bucketId}/presign`, {
      token: app,
      body: { key: 'study/1.dcm', method: 'GET', expiresInSeconds: 60 },
    });
    expect(Buffer.from(await (await fetch(link.body.url)).arrayBuffer()).equals(bytes)).toBe(true);
    const tampered = link.body.url.replace(/temp_url_sig=[^&]+/, 'temp_url_sig=sha256:AAAA');
    expect((await fetch(tampered)).status).toBe(401);
  });

  let linkId: string;

  it('programs a link between two VMs as Neutron security-group rules, and removes exactly them', async () => {
    peer = await createVm('ehr-db');
    const created = await h.call('POST', '/v1/links', {
      token: app,
      body: { from: { vmId: vm.id }, to: { vmId: peer.id }, protocol: 'tcp', port: 5432 },
    });
    expect(created.status, created.text).toBe(201);
    linkId = created.body.id;
    const groups = [];
    for await (const g of new NeutronSecurityGroups(os.neutron).list({ name: `hcb-${linkId}-to` }))
      groups.push(g);
    expect(groups).toHaveLength(1);
    const ingress = groups[0]!.security_group_rules.filter((r) => r.direction === 'ingress');
    expect(ingress.map((r) => [r.protocol, r.port_range_min, r.remote_ip_prefix])).toEqual([
      ['tcp', 5432, `${(await get(`/v1/vms/${vm.id}`)).addresses[0].ip}/32`],
    ]);
    expect((await h.call('DELETE', `/v1/links/${linkId}`, { token: app })).status).toBe(200);
    for await (const g of new NeutronSecurityGroups(os.neutron).list({}))
      expect(g.name).not.toContain(linkId);
  });

  it('deletes everything, leaving nothing in Nova, Cinder, Swift or Neutron', async () => {
    await settle(await h.call('DELETE', `/v1/volumes/${volumeId}`, { token: app }));
    await settle(await h.call('DELETE', `/v1/buckets/${bucketId}?force=true`, { token: app }));
    await settle(await h.call('DELETE', `/v1/vms/${vm.id}`, { token: app }));
    await settle(await h.call('DELETE', `/v1/vms/${peer.id}`, { token: app }));
    for (const id of [vm.id, peer.id]) expect(await os.compute.findServerByBrokerId(id)).toBeUndefined();
    expect(await os.blockStorage.findVolumeByBrokerId(volumeId)).toBeUndefined();
    const container = await os.objectStorage.getBucket(`hcb-${bucketId}`).catch((e: { kind?: string }) => e);
    expect((container as { kind?: string }).kind).toBe('notFound');
    for (const serverId of [vm.serverId, peer.serverId]) {
      const ports = [];
      for await (const p of os.neutron.listPorts({ device_id: serverId })) ports.push(p);
      expect(ports, `ports of ${serverId}`).toEqual([]);
    }
  });
});
