import { describe, expect, it } from 'vitest';
import type { BrokerError } from '../../core/errors.ts';
import { unitProvider } from '../../test/support/openstack/fake-cloud.ts';
import { FakeFetch, json, PROJECT_ID } from '../../test/support/openstack/fake-fetch.ts';
import { CINDER_MICROVERSION, toVolumeState } from './cinder.ts';

const volume = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `v-${id}`,
  size: 1,
  status: 'available',
  metadata: {},
  attachments: [],
  ...extra,
});

const base = `cinder.test/v3/${PROJECT_ID}`;

describe('OpenStack block storage (Cinder, attach through Nova)', () => {
  it('sends the pinned microversion on every Cinder request, listing pages included', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake, 1);
    fake
      .on('POST', /\/volumes$/, () => json(202, { volume: volume('v1', { status: 'creating' }) }))
      .on('GET', /\/volumes\/v1$/, () => json(200, { volume: volume('v1') }))
      .on('GET', /\/volumes\/detail$/, (c) =>
        json(200, {
          volumes: [volume(c.url.searchParams.get('marker') ? 'v2' : 'v1')],
          ...(c.url.searchParams.get('marker')
            ? {}
            : { volumes_links: [{ rel: 'next', href: `http://${base}/volumes/detail?limit=1&marker=v1` }] }),
        }),
      )
      .on('DELETE', /\/volumes\/v1$/, () => json(202, {}))
      .on('GET', /\/snapshots\/detail$/, () => json(200, { snapshots: [] }))
      .on('POST', /\/snapshots$/, () =>
        json(202, { snapshot: { id: 's1', name: 'x', volume_id: 'v1', size: 1, status: 'creating' } }),
      )
      .on('GET', /\/snapshots\/s1$/, () =>
        json(200, { snapshot: { id: 's1', name: 'x', volume_id: 'v1', size: 1, status: 'available' } }),
      )
      .on('DELETE', /\/snapshots\/s1$/, () => json(202, {}));
    const b = p.blockStorage;
    await b.createVolume({ brokerId: 'vol-1', name: 'x', sizeGiB: 1, tags: {}, clientToken: 't' });
    await b.getVolume('v1');
    await b.findVolumeByBrokerId('vol-1');
    const listed: string[] = [];
    for await (const v of b.listVolumes()) listed.push(v.id);
    expect(listed).toEqual(['v1', 'v2']);
    await b.createSnapshot('v1', { brokerId: 'snap-1', name: 'x' });
    await b.getSnapshot('s1');
    await b.deleteSnapshot('s1');
    await b.deleteVolume('v1');
    const calls = fake.to('cinder.test');
    expect(calls.length).toBeGreaterThanOrEqual(9);
    for (const call of calls)
      expect(call.headers.get('openstack-api-version'), call.url.pathname).toBe(
        `volume ${CINDER_MICROVERSION}`,
      );
  });

  it('finds a volume by broker id with the metadata filter, checking the metadata', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake.on('GET', /\/volumes\/detail$/, (c) => {
      const filter = JSON.parse(c.url.searchParams.get('metadata') ?? '{}') as Record<string, string>;
      return json(200, {
        volumes:
          filter['hcb:volume'] === 'vol-7' ? [volume('v7', { metadata: { 'hcb:volume': 'vol-7' } })] : [],
      });
    });
    expect((await p.blockStorage.findVolumeByBrokerId('vol-7'))?.brokerId).toBe('vol-7');
    expect(await p.blockStorage.findVolumeByBrokerId('vol-8')).toBeUndefined();
  });

  it('attaches through Nova os-volume_attachments, and not twice', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    let attached = false;
    fake
      .on('GET', /\/volumes\/v1$/, () =>
        json(200, {
          volume: volume(
            'v1',
            attached ? { status: 'in-use', attachments: [{ server_id: 's1', device: '/dev/vdb' }] } : {},
          ),
        }),
      )
      .on('POST', /^nova\.test\/v2\.1\/servers\/s1\/os-volume_attachments$/, () => {
        attached = true;
        return json(200, {
          volumeAttachment: { id: 'v1', volumeId: 'v1', serverId: 's1', device: '/dev/vdb' },
        });
      })
      .on('DELETE', /^nova\.test\/v2\.1\/servers\/s1\/os-volume_attachments\/v1$/, () => {
        attached = false;
        return json(202, {});
      });
    await p.blockStorage.attachVolume('v1', 's1');
    await p.blockStorage.attachVolume('v1', 's1');
    expect(fake.to('nova.test').filter((c) => c.method === 'POST')).toHaveLength(1);
    await p.blockStorage.detachVolume('v1', 's1');
    await p.blockStorage.detachVolume('v1', 's1');
    expect(fake.to('nova.test').filter((c) => c.method === 'DELETE')).toHaveLength(1);
  });

  it("reads Cinder's 400 on delete: already deleting is done, attached is a conflict", async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    let status = 'deleting';
    fake
      .on('DELETE', /\/volumes\/v1$/, () =>
        json(400, { badRequest: { code: 400, message: 'Invalid volume: status must be available' } }),
      )
      .on('GET', /\/volumes\/v1$/, () => json(200, { volume: volume('v1', { status }) }));
    await p.blockStorage.deleteVolume('v1');
    status = 'in-use';
    const error = (await p.blockStorage.deleteVolume('v1').catch((e) => e)) as BrokerError;
    expect(error.kind).toBe('conflict');
  });

  it('creates with the volume type asked for, retypes with os-retype on demand, once', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    let type = '__DEFAULT__';
    fake
      .on('POST', /\/volumes$/, () => json(202, { volume: volume('v1', { status: 'creating' }) }))
      .on('GET', /\/volumes\/v1$/, () => json(200, { volume: volume('v1', { volume_type: type }) }))
      .on('POST', /\/volumes\/v1\/action$/, () => json(202, {}));
    await p.blockStorage.createVolume({
      brokerId: 'vol-1',
      name: 'x',
      sizeGiB: 1,
      tags: {},
      clientToken: 't',
      volumeType: '__DEFAULT__',
    });
    const posts = () => fake.to('cinder.test').filter((c) => c.method === 'POST');
    expect(JSON.parse(posts()[0]!.body!).volume.volume_type).toBe('__DEFAULT__');
    expect((await p.blockStorage.getVolume('v1')).volumeType).toBe('__DEFAULT__');
    await p.blockStorage.retypeVolume('v1', 'ssd');
    expect(JSON.parse(posts()[1]!.body!)).toEqual({
      'os-retype': { new_type: 'ssd', migration_policy: 'on-demand' },
    });
    type = 'ssd';
    await p.blockStorage.retypeVolume('v1', 'ssd');
    expect(posts()).toHaveLength(2);
  });

  it('maps Cinder statuses', () => {
    expect(toVolumeState('in-use')).toBe('inUse');
    expect(toVolumeState('reserved')).toBe('attaching');
    expect(toVolumeState('error_deleting')).toBe('error');
    expect(toVolumeState('maintenance')).toBe('unknown');
  });
});
