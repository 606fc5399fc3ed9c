import { describe, expect, it } from 'vitest';
import type { BrokerError } from '../../core/errors.ts';
import { IMAGE_ID, NET_ID, unitProvider } from '../../test/support/openstack/fake-cloud.ts';
import { FakeFetch, json } from '../../test/support/openstack/fake-fetch.ts';
import { NOVA_MICROVERSION, type NovaServer, toServerState } from './nova.ts';

const server = (id: string, extra: Partial<NovaServer> = {}): NovaServer => ({
  id,
  name: `n-${id}`,
  status: 'ACTIVE',
  'OS-EXT-STS:task_state': null,
  addresses: { 'hcb-net': [{ addr: '10.0.0.5', version: 4, 'OS-EXT-IPS:type': 'fixed' }] },
  flavor: { original_name: 'm1.small' },
  metadata: {},
  created: '2025-01-01T00:00:00Z',
  ...extra,
});

function novaCalls(fake: FakeFetch) {
  return fake.to('nova.test');
}

describe('OpenStack compute (Nova)', () => {
  it('sends the pinned microversion on every Nova request', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake
      .on('POST', /servers$/, () => json(202, { server: { id: 's1' } }))
      .on('GET', /servers\/s1$/, () => json(200, { server: server('s1') }))
      .on('GET', /servers\/detail$/, () =>
        json(200, { servers: [server('s1', { metadata: { 'hcb:vm': 'vm-1' } })] }),
      )
      .on('POST', /servers\/s1\/action$/, (c) =>
        c.body?.includes('createImage')
          ? json(202, { image_id: 'img-1' })
          : c.body?.includes('confirmResize')
            ? json(204, {})
            : json(202, {}),
      )
      .on('POST', /servers\/s1\/remote-consoles$/, () =>
        json(200, { remote_console: { protocol: 'vnc', type: 'novnc', url: 'http://vnc/?token=x' } }),
      )
      .on('DELETE', /servers\/s1$/, () => json(204, {}));
    const c = p.compute;
    await c.createServer({
      brokerId: 'vm-1',
      name: 'a',
      size: 'small',
      image: 'ubuntu-24.04',
      tags: {},
      clientToken: 't',
    });
    await c.getServer('s1');
    await c.findServerByBrokerId('vm-1');
    for await (const _ of c.listServers({ changesSince: '2025-01-01T00:00:00Z' })) void _;
    await c.stopServer('s1');
    await c.startServer('s1');
    await c.rebootServer('s1', 'hard');
    await c.pauseServer('s1');
    await c.unpauseServer('s1');
    await c.resizeServer('s1', 'medium');
    await c.confirmResize('s1');
    await c.createServerImage('s1', { name: 'snap', brokerId: 'img-b1' });
    await c.getConsole('s1');
    await c.liveMigrate('s1');
    await c.deleteServer('s1');
    const calls = novaCalls(fake);
    expect(calls.length).toBeGreaterThanOrEqual(16);
    for (const call of calls) {
      expect(call.headers.get('openstack-api-version'), `${call.method} ${call.url.pathname}`).toBe(
        `compute ${NOVA_MICROVERSION}`,
      );
      expect(call.headers.get('x-openstack-nova-api-version')).toBe(NOVA_MICROVERSION);
    }
  });

  it('creates with the broker id in metadata and tag, base64 user data, the resolved flavor, image and network', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake.on('POST', /servers$/, () => json(202, { server: { id: 's1' } }));
    const created = await p.compute.createServer({
      brokerId: 'vm-1',
      name: 'web',
      size: 'small',
      image: 'ubuntu-24.04',
      userData: '#cloud-config\n{}',
      tags: { 'hcb:tenant': 't1' },
      clientToken: 't',
    });
    expect(created).toMatchObject({ id: 's1', brokerId: 'vm-1', state: 'building', sizeRef: 'm1.small' });
    const body = JSON.parse(novaCalls(fake).find((c) => c.method === 'POST')!.body!).server;
    expect(body).toEqual({
      name: 'web',
      flavorRef: 'f-small',
      imageRef: IMAGE_ID,
      networks: [{ uuid: NET_ID }],
      metadata: { 'hcb:tenant': 't1', 'hcb:vm': 'vm-1' },
      tags: ['hcb-vm:vm-1'],
      user_data: Buffer.from('#cloud-config\n{}').toString('base64'),
    });
  });

  it('refuses metadata over 255 characters without echoing it', async () => {
    const p = unitProvider(new FakeFetch());
    const long = 'x'.repeat(300);
    const error = (await p.compute
      .createServer({
        brokerId: 'vm-1',
        name: 'a',
        size: 'small',
        image: 'ubuntu-24.04',
        tags: { note: long },
        clientToken: 't',
      })
      .catch((e) => e)) as BrokerError;
    expect(error.code).toBe('openstack.invalidRequest');
    expect(error.message).not.toContain(long);
  });

  it('follows servers_links across pages, on its own endpoint', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake, 2);
    fake.on('GET', /servers\/detail$/, (c) => {
      const marker = c.url.searchParams.get('marker');
      const pages: Record<string, { servers: NovaServer[]; next?: string }> = {
        '': { servers: [server('a'), server('b')], next: 'b' },
        b: { servers: [server('c'), server('d')], next: 'd' },
        d: { servers: [server('e')] },
      };
      const page = pages[marker ?? '']!;
      return json(200, {
        servers: page.servers,
        ...(page.next
          ? {
              servers_links: [
                {
                  rel: 'next',
                  href: `http://internal-host:8774/v2.1/servers/detail?limit=2&marker=${page.next}`,
                },
              ],
            }
          : {}),
      });
    });
    const ids: string[] = [];
    for await (const s of p.compute.listServers()) ids.push(s.id);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    const hosts = novaCalls(fake)
      .filter((c) => c.url.pathname.endsWith('/servers/detail'))
      .map((c) => c.url.host);
    expect(new Set(hosts)).toEqual(new Set(['nova.test']));
  });

  it('lists without the flavor list while the catalogue names every flavor, and loads it once when not', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    let servers = [server('a'), server('b', { flavor: { original_name: 'm1.medium' } })];
    fake.on('GET', /servers\/detail$/, () => json(200, { servers }));
    const flavorCalls = () =>
      novaCalls(fake).filter((c) => c.url.pathname.endsWith('/flavors/detail')).length;
    const sizes: (string | undefined)[] = [];
    for await (const s of p.compute.listServers()) sizes.push(s.sizeRef);
    expect(sizes).toEqual(['m1.small', 'm1.medium']);
    expect(flavorCalls()).toBe(0);
    // A flavor the catalogue does not name (here: one Nova reports by id) needs the list, once.
    servers = [server('c', { flavor: { id: 'f-other' } }), server('d', { flavor: { id: 'f-other' } })];
    for await (const s of p.compute.listServers()) sizes.push(s.sizeRef);
    expect(flavorCalls()).toBe(1);
    expect(sizes.slice(2)).toEqual(['f-other', 'f-other']);
  });

  it('finds a server by broker id with a tag filter, checking the metadata', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake.on('GET', /servers\/detail$/, (c) =>
      json(200, {
        servers:
          c.url.searchParams.get('tags') === 'hcb-vm:vm-7'
            ? [
                server('wrong', { metadata: { 'hcb:vm': 'vm-other' } }),
                server('right', { metadata: { 'hcb:vm': 'vm-7' } }),
              ]
            : [],
      }),
    );
    expect((await p.compute.findServerByBrokerId('vm-7'))?.id).toBe('right');
    expect(await p.compute.findServerByBrokerId('vm-absent')).toBeUndefined();
  });

  it('reports a server in ERROR with its fault text (NoValidHost)', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake.on('GET', /servers\/s9$/, () =>
      json(200, {
        server: server('s9', {
          status: 'ERROR',
          addresses: {},
          fault: { code: 500, message: 'No valid host was found. There are not enough hosts available.' },
        }),
      }),
    );
    const s = await p.compute.getServer('s9');
    expect(s.state).toBe('error');
    expect(s.fault).toBe('500: No valid host was found. There are not enough hosts available.');
  });

  it('translates a missing server into notFound', async () => {
    const p = unitProvider(new FakeFetch());
    const error = (await p.compute.getServer('missing').catch((e) => e)) as BrokerError;
    expect(error.kind).toBe('notFound');
  });

  it('treats stop of an already stopped server (409) as done, and other 409s as conflicts', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake
      .on('POST', /servers\/s1\/action$/, () =>
        json(409, { conflictingRequest: { code: 409, message: 'in vm_state stopped' } }),
      )
      .on('GET', /servers\/s1$/, () => json(200, { server: server('s1', { status: 'SHUTOFF' }) }));
    await p.compute.stopServer('s1');
    const error = (await p.compute.pauseServer('s1').catch((e) => e)) as BrokerError;
    expect(error.kind).toBe('conflict');
  });

  it('reads the image id from the body (≥ 2.45) or from the Location header (older)', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake.on(
      'POST',
      /servers\/s1\/action$/,
      () =>
        new Response(null, {
          status: 202,
          headers: { Location: 'http://glance.test/v2/images/img-from-header' },
        }),
    );
    expect(await p.compute.createServerImage('s1', { name: 'x', brokerId: 'b1' })).toEqual({
      imageId: 'img-from-header',
    });
    fake.on('POST', /servers\/s1\/action$/, () => json(202, { image_id: 'img-from-body' }));
    expect(await p.compute.createServerImage('s1', { name: 'x', brokerId: 'b2' })).toEqual({
      imageId: 'img-from-body',
    });
  });

  it('does not snapshot twice for one broker image id', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    fake.on('GET', /^glance\.test\/v2\/images$/, (c) =>
      json(200, {
        images:
          c.url.searchParams.get('hcb:image') === 'b1'
            ? [{ id: 'img-old', name: 'x', status: 'queued', 'hcb:image': 'b1' }]
            : [],
      }),
    );
    expect(await p.compute.createServerImage('s1', { name: 'x', brokerId: 'b1' })).toEqual({
      imageId: 'img-old',
    });
    expect(novaCalls(fake).filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('maps Nova statuses, with the task state deciding deletion', () => {
    expect(toServerState('ACTIVE')).toBe('active');
    expect(toServerState('ACTIVE', 'deleting')).toBe('deleting');
    expect(toServerState('SHUTOFF')).toBe('stopped');
    expect(toServerState('VERIFY_RESIZE')).toBe('verifyResize');
    expect(toServerState('HARD_REBOOT')).toBe('rebooting');
    expect(toServerState('SHELVED_OFFLOADED')).toBe('unknown');
    expect(toServerState('SOMETHING_NEW')).toBe('unknown');
  });
});
