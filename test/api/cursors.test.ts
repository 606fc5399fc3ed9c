import { createHmac } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, type Reply, startHarness } from '../support/broker-harness.ts';

/**
 * List cursors are tamper-evident: every list route continues only from a cursor it issued, for the same
 * tenant, list and filter. Anything else — malformed, rewritten, re-signed, or replayed elsewhere — is a
 * 400 `cursor.invalid` problem, and never reaches the store (a rewritten key pointing at another
 * partition used to surface as a 503 from the store).
 */
describe('list cursors', () => {
  let h: Harness;
  let app: string;
  let other: string;
  let auditor: string;
  let otherAuditor: string;
  const ids: Record<string, string> = {};

  const ok = async (reply: Reply, token = app) => {
    expect(reply.status, reply.text).toBeLessThan(300);
    if (reply.body.operation)
      expect((await h.settle(token, reply.body.operation.id)).status).toBe('succeeded');
    return reply.body;
  };
  const post = (path: string, body: unknown) => h.call('POST', path, { token: app, body });

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-cur', ['app']);
    other = await h.token('tenant-cur-other', ['app']);
    auditor = await h.token('tenant-cur', ['auditor']);
    otherAuditor = await h.token('tenant-cur-other', ['auditor']);
    const vm = { size: 'small', image: 'ubuntu-24.04', classification: 'internal' };
    ids.vm1 = (await ok(await post('/v1/vms', { ...vm, name: 'cur-a' }))).vm.id;
    ids.vm2 = (await ok(await post('/v1/vms', { ...vm, name: 'cur-b' }))).vm.id;
    await ok(await h.call('POST', '/v1/vms', { token: other, body: { ...vm, name: 'cur-other' } }), other);
    const volume = { sizeGiB: 1, classification: 'internal' };
    ids.otherVol = (
      await ok(
        await h.call('POST', '/v1/volumes', { token: other, body: { ...volume, name: 'cur-o' } }),
        other,
      )
    ).volume.id;
    ids.vol1 = (await ok(await post('/v1/volumes', { ...volume, name: 'cur-a' }))).volume.id;
    ids.vol2 = (await ok(await post('/v1/volumes', { ...volume, name: 'cur-b' }))).volume.id;
    for (const name of ['s1', 's2']) await ok(await post(`/v1/volumes/${ids.vol1}/snapshots`, { name }));
    await ok(await post(`/v1/volumes/${ids.vol2}/snapshots`, { name: 's3' }));
    for (const name of ['cur-a', 'cur-b'])
      await ok(await post('/v1/buckets', { name, classification: 'internal' }));
    for (const port of [5432, 6379])
      await ok(
        await post('/v1/links', { from: { vmId: ids.vm1 }, to: { vmId: ids.vm2 }, port, protocol: 'tcp' }),
      );
    for (const name of ['img-a', 'img-b'])
      ids.target = (
        await ok(await post(`/v1/vms/${ids.vm1}/actions`, { type: 'snapshot', name }))
      ).vm.placement.targetId;
  });
  afterAll(() => h.close());

  /** Each list route: where it is, a filter that still has two pages, who reads it, and a different list. */
  const ROUTES: [
    string,
    () => { path: string; filter: string; reader: string; stranger: string; elsewhere: string },
  ][] = [
    [
      'GET /v1/vms',
      () => ({
        path: '/v1/vms',
        filter: 'classification=internal',
        reader: app,
        stranger: other,
        elsewhere: '/v1/volumes',
      }),
    ],
    [
      'GET /v1/volumes',
      () => ({
        path: '/v1/volumes',
        filter: 'classification=internal',
        reader: app,
        stranger: other,
        elsewhere: '/v1/vms',
      }),
    ],
    [
      'GET /v1/volumes/{id}/snapshots',
      () => ({
        path: `/v1/volumes/${ids.vol1}/snapshots`,
        filter: '',
        reader: app,
        stranger: other,
        elsewhere: `/v1/volumes/${ids.vol2}/snapshots`,
      }),
    ],
    [
      'GET /v1/buckets',
      () => ({
        path: '/v1/buckets',
        filter: 'classification=internal',
        reader: app,
        stranger: other,
        elsewhere: '/v1/vms',
      }),
    ],
    [
      'GET /v1/links',
      () => ({
        path: '/v1/links',
        filter: `vmId=${ids.vm1}`,
        reader: app,
        stranger: other,
        elsewhere: '/v1/images',
      }),
    ],
    [
      'GET /v1/images',
      () => ({
        path: '/v1/images',
        filter: `targetId=${ids.target}`,
        reader: app,
        stranger: other,
        elsewhere: '/v1/links',
      }),
    ],
    [
      'GET /v1/audit',
      () => ({
        path: '/v1/audit',
        filter: 'action=vm.create',
        reader: auditor,
        stranger: otherAuditor,
        elsewhere: '/v1/vms',
      }),
    ],
  ];

  const url = (path: string, query: string, cursor?: string) => {
    const params = [
      query,
      'limit=1',
      ...(cursor === undefined ? [] : [`cursor=${encodeURIComponent(cursor)}`]),
    ];
    return `${path}?${params.filter(Boolean).join('&')}`;
  };

  /** The cursor with the store key it carries edited, whatever else it holds left as issued. */
  function rewriteKey(cursor: string, edit: (key: Record<string, string>) => void): string {
    const [payload, ...rest] = cursor.split('.');
    const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    edit('k' in decoded ? decoded.k : decoded);
    return [Buffer.from(JSON.stringify(decoded)).toString('base64url'), ...rest].join('.');
  }
  const reSigned = (cursor: string) => {
    const payload = cursor.split('.')[0]!;
    return `${payload}.${createHmac('sha256', 'guessed-secret').update(payload).digest('base64url')}`;
  };

  const expectInvalid = (reply: Reply, what: string) => {
    expect(reply.status, `${what}: ${reply.text}`).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.headers.get('retry-after')).toBeNull();
    expect(reply.body.code, what).toBe('cursor.invalid');
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toEqual(['query.cursor']);
  };

  it.each(ROUTES)('%s continues only from its own cursor', async (_route, route) => {
    const { path, filter, reader, stranger, elsewhere } = route();
    const first = await h.call('GET', url(path, filter), { token: reader });
    expect(first.status, first.text).toBe(200);
    const cursor: string = first.body.nextCursor;
    expect(cursor).toBeTruthy();

    const second = await h.call('GET', url(path, filter, cursor), { token: reader });
    expect(second.status, second.text).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0]).not.toEqual(first.body.items[0]);

    const other = (key: Record<string, string>) => {
      for (const [name, value] of Object.entries(key))
        key[name] = value
          .replace(/^(TENANT|AUDIT-TENANT)#.*/, '$1#tenant-cur-other')
          .replace(/^AUDIT#.*/, 'AUDIT#elsewhere');
    };
    const forged: [string, string, string][] = [
      ['malformed', url(path, filter, 'not-a-cursor'), reader],
      ['truncated', url(path, filter, cursor.slice(0, -4)), reader],
      ['key rewritten to another partition', url(path, filter, rewriteKey(cursor, other)), reader],
      ['key rewritten and re-signed', url(path, filter, reSigned(rewriteKey(cursor, other))), reader],
      // The stranger asks its own list of the same kind (its volume's snapshots: it cannot see ours).
      ['from another tenant', url(path.replace(ids.vol1!, ids.otherVol!), filter, cursor), stranger],
      ['on another list', url(elsewhere, '', cursor), reader],
    ];
    // The snapshots of a volume take no filter: another volume's list (above) is their "elsewhere".
    if (filter !== '') forged.push(['with another filter', url(path, '', cursor), reader]);
    for (const [what, target, token] of forged) expectInvalid(await h.call('GET', target, { token }), what);
  });

  it('are signed with a secret kept in the data folder, readable by its owner only', () => {
    const mode = statSync(join(h.dataDir, 'cursor-secret')).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});
