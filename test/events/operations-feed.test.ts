import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** GET /v1/operations: the tenant's own operations, filtered, newest first, with signed cursors. */
describe('operations feed', () => {
  let h: Harness;
  let app: string;
  const vmIds: string[] = [];
  const opIds: string[] = [];
  let startedAt: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('feed-a', ['app']);
    startedAt = new Date().toISOString();
    for (const name of ['one', 'two', 'three']) {
      const reply = await h.call('POST', '/v1/vms', {
        token: app,
        body: { name, size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
      });
      expect(reply.status).toBe(202);
      vmIds.push(reply.body.vm.id);
      opIds.push(reply.body.operation.id);
    }
    for (const id of opIds) await h.settle(app, id);
    const stop = await h.call('POST', `/v1/vms/${vmIds[0]}/actions`, { token: app, body: { type: 'stop' } });
    expect(stop.status).toBe(202);
    opIds.push(stop.body.operation.id);
    await h.settle(app, stop.body.operation.id);
    const other = await h.token('feed-b', ['app']);
    const foreign = await h.call('POST', '/v1/vms', {
      token: other,
      body: { name: 'other', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
    });
    expect(foreign.status).toBe(202);
  });
  afterAll(() => h.close());

  const ids = (body: { items: { id: string }[] }) => body.items.map((op) => op.id);

  it("lists the tenant's operations newest first, and no other tenant's", async () => {
    const reply = await h.call('GET', '/v1/operations?limit=100', { token: app });
    expect(reply.status).toBe(200);
    expect(ids(reply.body)).toEqual([...opIds].reverse());
    expect(reply.body.nextCursor).toBeUndefined();
  });

  it('filters by kind, status and resource id', async () => {
    const creates = await h.call('GET', '/v1/operations?kind=vm.create', { token: app });
    expect(ids(creates.body)).toEqual(opIds.slice(0, 3).reverse());
    const forVm = await h.call('GET', `/v1/operations?resourceId=${vmIds[0]}`, { token: app });
    expect(ids(forVm.body)).toEqual([opIds[3], opIds[0]]);
    const failed = await h.call('GET', '/v1/operations?status=failed', { token: app });
    expect(ids(failed.body)).toEqual([]);
    const succeeded = await h.call('GET', '/v1/operations?status=succeeded&kind=vm.stop', { token: app });
    expect(ids(succeeded.body)).toEqual([opIds[3]]);
  });

  it('filters by time range', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await h.call('GET', `/v1/operations?since=${future}`, { token: app });
    expect(ids(none.body)).toEqual([]);
    const all = await h.call('GET', `/v1/operations?since=${startedAt}&until=${future}`, { token: app });
    expect(ids(all.body)).toHaveLength(4);
    const before = await h.call('GET', `/v1/operations?until=${encodeURIComponent(startedAt)}`, {
      token: app,
    });
    expect(ids(before.body)).toEqual([]);
  });

  it('pages with cursors bound to the filter and tenant', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const reply = await h.call(
        'GET',
        `/v1/operations?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: app },
      );
      expect(reply.status).toBe(200);
      seen.push(...ids(reply.body));
      cursor = reply.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...opIds].reverse());
    const first = await h.call('GET', '/v1/operations?limit=1', { token: app });
    const withOtherFilter = await h.call(
      'GET',
      `/v1/operations?limit=1&kind=vm.create&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { token: app },
    );
    expect(withOtherFilter.status).toBe(400);
    expect(withOtherFilter.body.code).toBe('cursor.invalid');
    const other = await h.token('feed-b', ['app']);
    const stolen = await h.call(
      'GET',
      `/v1/operations?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      { token: other },
    );
    expect(stolen.status).toBe(400);
  });

  it("lets an operator read a named tenant's feed; nobody else may name one", async () => {
    const operator = await h.token('platform', ['operator']);
    const reply = await h.call('GET', '/v1/operations?tenant=feed-a&limit=100', { token: operator });
    expect(reply.status).toBe(200);
    expect(ids(reply.body)).toEqual([...opIds].reverse());
    for (const role of ['app', 'admin', 'auditor'] as const) {
      const token = await h.token('feed-b', [role]);
      const denied = await h.call('GET', '/v1/operations?tenant=feed-a', { token });
      expect(denied.status, role).toBe(403);
      expect(denied.text).not.toContain(opIds[0]);
    }
  });

  it('refuses malformed filters with a 400', async () => {
    for (const query of ['status=done', 'kind=rm%20-rf', 'resourceId=vm-1', 'since=yesterday', 'limit=0']) {
      const reply = await h.call('GET', `/v1/operations?${query}`, { token: app });
      expect(reply.status, query).toBe(400);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
