import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../test/support/broker-harness.ts';

/** The portal on the embedded default: its pages, config.json and the development sign-in. */
describe('portal routes on the embedded default', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const signIn = (body: unknown) =>
    h.call('POST', '/dev/sign-in', {
      rawBody: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  it('serves the app at / and at its pages, as HTML under the page CSP', async () => {
    for (const path of ['/', '/inventory', '/audit']) {
      const page = await h.call('GET', path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('says the embedded default signs in for development', async () => {
    const config = await h.call('GET', '/config.json');
    expect(config.body).toEqual({ apiUrl: '', auth: { mode: 'development' } });
  });

  it('mints a token the API accepts, for the tenant and roles asked', async () => {
    const reply = await signIn({ tenant: 'ward-7', roles: ['auditor'] });
    expect(reply.status).toBe(200);
    expect(reply.body.development).toBe(true);
    const audit = await h.call('GET', '/v1/audit', { token: reply.body.token });
    expect(audit.status).toBe(200);
    const create = await h.call('POST', '/v1/vms', {
      token: reply.body.token,
      body: { name: 'x', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
    });
    expect(create.status).toBe(403);
  });

  it('refuses a bad tenant or unknown role with field errors, and malformed JSON, as problems', async () => {
    const bad = await signIn({ tenant: 'Not A Tenant', roles: ['root'] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toContain('body.tenant');
    expect(fields.some((f: string) => f.startsWith('body.roles'))).toBe(true);
    expect((await signIn({ tenant: 'a', roles: [] })).status).toBe(400);
    expect((await signIn({ tenant: 'a', roles: ['app'], extra: 1 })).status).toBe(400);
    const malformed = await h.call('POST', '/dev/sign-in', {
      rawBody: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
  });

  it('mints only for JSON sent to its own host name (no DNS-rebound name, no form post)', async () => {
    const rebound = await postWithHost(`${h.base}/dev/sign-in`, 'attacker.example:8080', {
      tenant: 'a',
      roles: ['admin'],
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('token');
    expect(
      (await postWithHost(`${h.base}/dev/sign-in`, 'localhost', { tenant: 'a', roles: ['app'] })).status,
    ).toBe(200);
    const form = await h.call('POST', '/dev/sign-in', {
      rawBody: JSON.stringify({ tenant: 'a', roles: ['admin'] }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(form.status).toBe(415);
  });

  it('serves only built assets by name: no path escapes the assets folder', async () => {
    expect((await h.call('GET', '/assets/..%2F..%2Fpackage.json')).status).toBe(404);
    expect((await h.call('GET', '/assets/nothing.js')).status).toBe(404);
  });
});

/** fetch cannot set `Host`; a browser that followed a rebound DNS name sends the attacker's name there. */
function postWithHost(url: string, host: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(
      url,
      { method: 'POST', headers: { host, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}
