import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey } from '../../auth/dev-signing-key.ts';
import { loadConfig } from '../../runtime/config.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

const PORTAL = 'https://portal.hospital.example';
const WEB_VIEW = 'capacitor://localhost';

describe('response headers, CORS and token lifetime', () => {
  let h: Harness;
  let token: string;

  beforeAll(async () => {
    h = await startHarness({ env: { HCB_CORS_ORIGINS: `${PORTAL}, ${WEB_VIEW}` } });
    token = await h.token('tenant-h', ['app']);
  });
  afterAll(() => h.close());

  it('marks API answers nosniff and no-store, errors and not-found included', async () => {
    for (const reply of [
      await h.call('GET', '/v1/vms', { token }),
      await h.call('GET', '/v1/vms'),
      await h.call('GET', '/v1/nowhere', { token }),
      await h.call('GET', '/openapi.json'),
      await h.call('GET', '/healthz'),
    ]) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('cache-control')).toBe('no-store');
      expect(reply.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it('gives /docs and / a Content-Security-Policy that forbids framing', async () => {
    for (const path of ['/docs', '/']) {
      const reply = await h.call('GET', path);
      expect(reply.status, path).toBe(200);
      const csp = reply.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(reply.headers.get('x-frame-options')).toBe('DENY');
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const docs = await h.call('GET', '/docs');
    const csp = docs.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("script-src 'self' 'unsafe-inline'");
  });

  it('answers preflights from configured origins without a token', async () => {
    for (const origin of [PORTAL, WEB_VIEW]) {
      const reply = await h.call('OPTIONS', '/v1/vms', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, idempotency-key',
        },
      });
      expect(reply.status, origin).toBe(204);
      expect(reply.headers.get('access-control-allow-origin')).toBe(origin);
      expect(reply.headers.get('access-control-allow-methods')).toContain('POST');
      expect(reply.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(reply.headers.get('access-control-allow-headers')).toContain('idempotency-key');
      // The portal resumes the event stream after the last event it saw.
      expect(reply.headers.get('access-control-allow-headers')).toContain('last-event-id');
      expect(reply.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('allows no other origin, and says so on real requests too', async () => {
    const preflight = await h.call('OPTIONS', '/v1/vms', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const foreign = await h.call('GET', '/v1/vms', { token, headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const portal = await h.call('GET', '/v1/vms', { token, headers: { origin: PORTAL } });
    expect(portal.status).toBe(200);
    expect(portal.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(portal.headers.get('vary')).toContain('Origin');
    expect(portal.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const refused = await h.call('GET', '/v1/vms', { headers: { origin: PORTAL } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(PORTAL);
  });

  it('refuses tokens that live longer than the configured maximum, or say nothing of their lifetime', async () => {
    const key = await loadOrCreateDevKey(h.dataDir);
    const { importJWK } = await import('jose');
    const signing = await importJWK(key, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const mint = (claims: { iat?: number; exp?: number }) => {
      const jwt = new SignJWT({ tenant: 'tenant-h', roles: ['app'] })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid! })
        .setSubject('svc')
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE);
      if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
      return jwt.sign(signing);
    };
    const answer = async (claims: { iat?: number; exp?: number }) =>
      h.call('GET', '/v1/vms', { token: await mint(claims) });
    const tooLong = await answer({ iat: now, exp: now + 12 * 3600 });
    expect(tooLong.status).toBe(401);
    expect(tooLong.body.code).toBe('auth.invalidToken');
    expect((await answer({ iat: now - 3 * 3600, exp: now + 600 })).status).toBe(401);
    expect((await answer({ exp: now + 600 })).status).toBe(401);
    expect((await answer({ iat: now })).status).toBe(401);
    expect((await answer({ iat: now, exp: now + 3600 })).status).toBe(200);
    expect((await h.call('GET', '/v1/vms', { token })).status).toBe(200); // what `hcb token` mints
  });

  it('has `hcb token` mint what the broker accepts, and refuse a longer --ttl', async () => {
    const hcb = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [resolve(import.meta.dirname, '../../bin/hcb.js'), 'token', ...args],
        {
          env: { ...process.env, DATA_DIR: h.dataDir },
        },
      );
    const { stdout } = await hcb(['--tenant', 'tenant-h', '--roles', 'app']);
    const claims = decodeJwt(stdout.trim());
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect((await h.call('GET', '/v1/vms', { token: stdout.trim() })).status).toBe(200);
    await expect(hcb(['--tenant', 'tenant-h', '--roles', 'app', '--ttl', '7200'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('HCB_MAX_TOKEN_LIFETIME_SECONDS'),
    });
  });

  it('reads its limits from the environment, and refuses nonsense', () => {
    const config = loadConfig({
      HCB_CORS_ORIGINS: `${PORTAL},,${WEB_VIEW}`,
      HCB_MAX_TOKEN_LIFETIME_SECONDS: '900',
    });
    expect(config.corsOrigins).toEqual([PORTAL, WEB_VIEW]);
    expect(config.jwt.maxLifetimeSeconds).toBe(900);
    expect(loadConfig({}).jwt.maxLifetimeSeconds).toBe(3600);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(() => loadConfig({ HCB_CORS_ORIGINS: '*' })).toThrow(/HCB_CORS_ORIGINS/);
    expect(() => loadConfig({ HCB_CORS_ORIGINS: 'https://a.example/path' })).toThrow(/HCB_CORS_ORIGINS/);
    expect(() => loadConfig({ HCB_MAX_TOKEN_LIFETIME_SECONDS: '0' })).toThrow(/HCB_MAX_TOKEN/);
  });
});
