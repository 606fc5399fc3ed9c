import { describe, expect, it } from 'vitest';
import type { BrokerError } from '../../core/errors.ts';
import { unitProvider } from '../../test/support/openstack/fake-cloud.ts';
import { FakeFetch, json, PROJECT_ID } from '../../test/support/openstack/fake-fetch.ts';
import { tempUrlSignature } from './swift-tempurl.ts';

const account = `swift.test/v1/AUTH_${PROJECT_ID}`;

describe('OpenStack object storage (Swift)', () => {
  it('sets the account Temp-URL-Key once when absent, reads it back, and signs with it', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    let stored: string | undefined;
    fake
      .on(
        'HEAD',
        new RegExp(`^${account}$`),
        () =>
          new Response(null, {
            status: 204,
            headers: stored ? { 'X-Account-Meta-Temp-Url-Key': stored } : {},
          }),
      )
      .on('POST', new RegExp(`^${account}$`), (c) => {
        stored = c.headers.get('x-account-meta-temp-url-key') ?? undefined;
        return new Response(null, { status: 204 });
      })
      .on(
        'HEAD',
        new RegExp(`^${account}/bucket-1$`),
        () => new Response(null, { status: 204, headers: { 'X-Container-Object-Count': '0' } }),
      );
    const now = Date.now();
    const put = await p.objectStorage.presign({
      bucket: 'bucket-1',
      key: 'a b/c.txt',
      method: 'PUT',
      expiresInSeconds: 60,
    });
    const get = await p.objectStorage.presign({
      bucket: 'bucket-1',
      key: 'a b/c.txt',
      method: 'GET',
      expiresInSeconds: 60,
    });
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fake.to('swift.test').filter((c) => c.method === 'POST')).toHaveLength(1);
    const url = new URL(get.url);
    expect(url.pathname).toBe(`/v1/AUTH_${PROJECT_ID}/bucket-1/a%20b/c.txt`);
    const expires = Number(url.searchParams.get('temp_url_expires'));
    expect(expires).toBeGreaterThanOrEqual(Math.floor(now / 1000) + 60);
    expect(url.searchParams.get('temp_url_sig')).toBe(
      tempUrlSignature('GET', expires, `/v1/AUTH_${PROJECT_ID}/bucket-1/a b/c.txt`, stored!),
    );
    expect(new URL(put.url).searchParams.get('temp_url_sig')).not.toBe(url.searchParams.get('temp_url_sig'));
  });

  it('refuses to presign into a missing bucket', async () => {
    const p = unitProvider(new FakeFetch());
    const error = (await p.objectStorage
      .presign({ bucket: 'nope', key: 'k', method: 'GET', expiresInSeconds: 60 })
      .catch((e) => e)) as BrokerError;
    expect(error.kind).toBe('notFound');
  });

  it('deletes objects before the container when forced; unforced, Swift’s 409 is a conflict', async () => {
    const fake = new FakeFetch();
    const p = unitProvider(fake);
    let objects = ['x', 'dir/y'];
    fake
      .on('GET', new RegExp(`^${account}/b$`), () =>
        json(
          200,
          objects.map((name) => ({ name, bytes: 1, hash: '', last_modified: '' })),
        ),
      )
      .on('DELETE', new RegExp(`^${account}/b/(.+)$`), (_c, m) => {
        objects = objects.filter((o) => o !== decodeURIComponent(m[1]!));
        return new Response(null, { status: 204 });
      })
      .on('DELETE', new RegExp(`^${account}/b$`), () =>
        objects.length
          ? new Response('<html>Conflict</html>', { status: 409 })
          : new Response(null, { status: 204 }),
      );
    const refused = (await p.objectStorage
      .deleteBucket('b', { force: false })
      .catch((e) => e)) as BrokerError;
    expect(refused.kind).toBe('conflict');
    await p.objectStorage.deleteBucket('b', { force: true });
    expect(objects).toEqual([]);
  });
});
