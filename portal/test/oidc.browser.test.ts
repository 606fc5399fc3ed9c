/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedBroker, spawnBroker } from '../../test/e2e/spawned-broker.ts';
import { launch, settled } from './browser.ts';

const PORTAL = resolve(import.meta.dirname, '..');
const DIST = resolve(PORTAL, 'dist');
const CLIENT_ID = 'hcb-portal';
const TENANT = 'oidc-tenant';

/** What the stand-in identity provider saw, for the assertions. */
interface ProviderLog {
  authorizations: URLSearchParams[];
  tokenRequests: URLSearchParams[];
  issued: string[];
}

/**
 * A deployed portal's sign-in, end to end in headless Chromium: the portal served as a static site whose
 * `config.json` names an identity provider; the provider (a small authorization server on 127.0.0.1, the
 * stand-in for the hospital's IdP) does authorization code + PKCE and refresh, and signs access tokens
 * with a key the broker's JWKS holds (the embedded default's); the API is the shipped `npm start`.
 */
describe('portal sign-in with OIDC (authorization code + PKCE, silent renew)', () => {
  let broker: SpawnedBroker;
  let browser: Browser;
  let provider: Server;
  let portal: Server;
  let issuer: string;
  let portalBase: string;
  const log: ProviderLog = { authorizations: [], tokenRequests: [], issued: [] };

  beforeAll(async () => {
    if (!existsSync(resolve(DIST, 'index.html')))
      execFileSync('npm', ['run', 'build'], { cwd: PORTAL, stdio: 'inherit' });
    portal = await listen((request, response) => servePortal(request, response, issuer));
    portalBase = baseOf(portal);
    [broker, browser] = await Promise.all([spawnBroker({ HCB_CORS_ORIGINS: portalBase }), launch()]);
    API_BASE.url = broker.base;
    provider = await listen((request, response) => void authorizationServer(request, response));
    issuer = baseOf(provider);
  });
  afterAll(async () => {
    await browser?.close();
    await broker?.stop();
    provider?.close();
    portal?.close();
  });

  /** Authorization code + PKCE (S256) and refresh, checking what a real provider checks. */
  async function authorizationServer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', issuer);
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type' };
    if (request.method === 'OPTIONS') return void response.writeHead(204, cors).end();
    if (url.pathname === '/.well-known/openid-configuration')
      return json(response, cors, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
      });
    if (url.pathname === '/authorize') {
      log.authorizations.push(url.searchParams);
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', `code-${log.authorizations.length}`);
      back.searchParams.set('state', url.searchParams.get('state')!);
      return void response.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      const form = new URLSearchParams(await bodyOf(request));
      log.tokenRequests.push(form);
      const authorization = log.authorizations.at(-1)!;
      if (form.get('grant_type') === 'authorization_code') {
        const challenge = createHash('sha256')
          .update(form.get('code_verifier') ?? '')
          .digest('base64url');
        if (challenge !== authorization.get('code_challenge') || form.get('client_id') !== CLIENT_ID)
          return json(response, cors, { error: 'invalid_grant' }, 400);
      } else if (form.get('grant_type') !== 'refresh_token' || !form.get('refresh_token')?.startsWith('rt-'))
        return json(response, cors, { error: 'invalid_grant' }, 400);
      // The first token is about to expire (62 s against the client's 60 s margin): it renews at once.
      const first = form.get('grant_type') === 'authorization_code';
      const accessToken = await broker.token(TENANT, 'admin');
      log.issued.push(accessToken);
      return json(response, cors, {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: first ? 62 : 3600,
        refresh_token: `rt-${log.issued.length}`,
        scope: 'openid',
        id_token: await idToken(issuer, authorization.get('nonce')),
      });
    }
    response.writeHead(404, cors).end();
  }

  it('signs in through the provider with PKCE, keeps tokens out of storage, calls the API with them and renews silently', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const bearers: string[] = [];
    page.on('request', (r) => {
      const auth = r.headers().authorization;
      if (r.url().startsWith(broker.base) && auth) bearers.push(auth.replace(/^Bearer /, ''));
    });
    await page.goto(portalBase);
    await page.getByRole('button', { name: 'Sign in with your hospital account' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 30_000 });
    await settled(page);

    const [authorization] = log.authorizations;
    expect(authorization!.get('response_type')).toBe('code');
    expect(authorization!.get('client_id')).toBe(CLIENT_ID);
    expect(authorization!.get('code_challenge_method')).toBe('S256');
    expect(authorization!.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(log.tokenRequests[0]!.get('grant_type')).toBe('authorization_code');
    // The code is gone from the address bar, and no token was written to web storage.
    expect(new URL(page.url()).search).toBe('');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    for (const token of log.issued) expect(stored).not.toContain(token);
    // The broker accepted the provider's token: the overview shows the catalogue's targets.
    await expect(page.getByText('sandbox-onprem-north').first().isVisible()).resolves.toBe(true);
    expect(bearers).toContain(log.issued[0]);

    // Silent renew: the refresh grant gives a new token, and the portal uses it from then on.
    await expect
      .poll(() => log.tokenRequests.map((f) => f.get('grant_type')), { timeout: 20_000 })
      .toContain('refresh_token');
    await expect.poll(() => log.issued.length).toBeGreaterThanOrEqual(2);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { level: 1, name: /Operations/ }).waitFor();
    await settled(page);
    await expect.poll(() => bearers.includes(log.issued[1]!), { timeout: 10_000 }).toBe(true);
    expect(log.authorizations).toHaveLength(1); // renewed without another visit to the provider
    await context.close();
  }, 120_000);
});

async function idToken(issuer: string, nonce: string | null): Promise<string> {
  return new SignJWT({ ...(nonce ? { nonce } : {}), tenant: TENANT })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('nurse-manager@oidc-tenant')
    .setIssuer(issuer)
    .setAudience(CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(randomBytes(32));
}

/** The built portal as a static site (index.html for every route), with the deployed shape's config.json. */
function servePortal(request: IncomingMessage, response: ServerResponse, issuer: string): void {
  const path = new URL(request.url ?? '/', 'http://portal').pathname;
  if (path === '/config.json') {
    json(response, {}, { apiUrl: API_BASE.url, auth: { mode: 'oidc', issuer, clientId: CLIENT_ID } });
    return;
  }
  const file = normalize(join(DIST, path));
  const asset =
    file.startsWith(DIST) && existsSync(file) && extname(file) !== '' ? file : join(DIST, 'index.html');
  response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(asset)] ?? 'application/octet-stream' });
  response.end(readFileSync(asset));
}

/** The API's origin, known once the broker runs (the portal's config.json names it). */
const API_BASE = { url: '' };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

function json(response: ServerResponse, headers: Record<string, string>, body: unknown, status = 200): void {
  response.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function bodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => done(text));
  });
}

function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<Server> {
  return new Promise((done) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => done(server));
  });
}

function baseOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
