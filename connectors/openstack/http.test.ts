import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import { FakeFetch, fastHttp, json } from '../../test/support/openstack/fake-fetch.ts';
import { HttpClient } from './http.ts';

const refused = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
  });
const reset = () =>
  Object.assign(new TypeError('fetch failed'), {
    cause: Object.assign(new Error('socket'), { code: 'ECONNRESET' }),
  });

describe('HttpClient', () => {
  it('retries an idempotent call on 503 with backoff, then succeeds', async () => {
    const fake = new FakeFetch()
      .on('GET', /thing$/, () => json(200, { ok: true }))
      .on('GET', /thing$/, () => json(503, {}), 2);
    const sleeps: number[] = [];
    const http = new HttpClient(fastHttp(fake, sleeps));
    const body = await http.json<{ ok: boolean }>({
      method: 'GET',
      url: 'http://svc.test/thing',
      op: 'svc.get',
      accept: [200],
    });
    expect(body.ok).toBe(true);
    expect(fake.calls).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]);
  });

  it('does not retry a POST on 503 or on a reset connection (it may have been executed)', async () => {
    const fake = new FakeFetch().on('POST', /things$/, () => json(503, {}));
    const http = new HttpClient(fastHttp(fake));
    const error = await http
      .request({ method: 'POST', url: 'http://svc.test/things', op: 'svc.create', accept: [202] })
      .catch((e) => e);
    expect((error as BrokerError).code).toBe('openstack.unavailable');
    expect(fake.calls).toHaveLength(1);

    const resetting = new FakeFetch().on('POST', /things$/, () => Promise.reject(reset()));
    const http2 = new HttpClient(fastHttp(resetting));
    const lost = await http2
      .request({ method: 'POST', url: 'http://svc.test/things', op: 'svc.create', accept: [202] })
      .catch((e) => e);
    expect((lost as BrokerError).code).toBe('openstack.timeout');
    expect(resetting.calls).toHaveLength(1);
  });

  it('retries even a POST when the connection was refused (nothing was sent)', async () => {
    const fake = new FakeFetch()
      .on('POST', /things$/, () => json(202, { id: 'x' }))
      .on('POST', /things$/, () => Promise.reject(refused()), 1);
    const http = new HttpClient(fastHttp(fake));
    await http.request({ method: 'POST', url: 'http://svc.test/things', op: 'svc.create', accept: [202] });
    expect(fake.calls).toHaveLength(2);
  });

  it('waits at least Retry-After on 429, and gives up with overLimit when asked to wait too long', async () => {
    const fake = new FakeFetch()
      .on('GET', /thing$/, () => json(200, {}))
      .on('GET', /thing$/, () => json(429, {}, { 'Retry-After': '3' }), 1);
    const sleeps: number[] = [];
    await new HttpClient(fastHttp(fake, sleeps)).request({
      method: 'GET',
      url: 'http://svc.test/thing',
      op: 'svc.get',
      accept: [200],
    });
    expect(sleeps[0]).toBe(3000);

    const slow = new FakeFetch().on('GET', /thing$/, () => json(429, {}, { 'Retry-After': '120' }));
    const error = await new HttpClient(fastHttp(slow))
      .request({ method: 'GET', url: 'http://svc.test/thing', op: 'svc.get', accept: [200] })
      .catch((e) => e);
    expect((error as BrokerError).code).toBe('openstack.overLimit');
    expect((error as BrokerError).retryAfterSeconds).toBe(120);
    expect(slow.calls).toHaveLength(1);
  });

  it('stops after maxAttempts and reports the last failure', async () => {
    const fake = new FakeFetch().on('GET', /thing$/, () => Promise.reject(reset()));
    const http = new HttpClient({ ...fastHttp(fake), maxAttempts: 3 });
    const error = await http
      .request({ method: 'GET', url: 'http://svc.test/thing', op: 'svc.get', accept: [200] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe('openstack.timeout');
    expect(fake.calls).toHaveLength(3);
  });

  it('accepts exactly the listed statuses', async () => {
    const fake = new FakeFetch().on('DELETE', /thing$/, () => json(404, {}));
    const http = new HttpClient(fastHttp(fake));
    const gone = await http.request({
      method: 'DELETE',
      url: 'http://svc.test/thing',
      op: 'svc.delete',
      accept: [204, 404],
    });
    expect(gone.status).toBe(404);
    const strict = await http
      .request({ method: 'DELETE', url: 'http://svc.test/thing', op: 'svc.delete', accept: [204] })
      .catch((e) => e);
    expect((strict as BrokerError).kind).toBe('notFound');
  });
});
