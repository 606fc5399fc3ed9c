import { existsSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { Hono } from 'hono';
import type { JWK } from 'jose';
import { z } from 'zod';
import type { ApiEnv } from '../../api/context.ts';
import { TENANT_PATTERN } from '../../api/middleware/authorize.ts';
import { validationError } from '../../api/validation.ts';
import { mintDevToken } from '../../auth/dev-signing-key.ts';
import { BrokerError } from '../../core/errors.ts';
import { ROLES } from '../../core/model/principal.ts';

/** Where `npm --prefix portal run build` writes the single-page app. */
export const PORTAL_DIST = resolve(import.meta.dirname, '../../portal/dist');

/** Client-side routes: a reload or a bookmark of one of them gets the app, not a 404. */
export const PORTAL_PAGES = ['/', '/inventory', '/create', '/audit', '/policies', '/operations', '/storage'];

const DEV_TOKEN_SECONDS = 3600;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

const SignIn = z
  .object({
    tenant: z.string().regex(TENANT_PATTERN, 'one tenant id: lowercase letters, digits, dashes'),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  })
  .strict();

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hybrid cloud broker</title></head>
<body><h1>Hybrid cloud broker</h1><p>The admin portal is not built: run <code>npm --prefix portal run build</code>.
Meanwhile the <a href="/docs">API documentation</a> works.</p></body></html>`;

/**
 * The admin portal on the embedded default: the built app at `/` (and its pages), its runtime
 * `config.json`, and a development sign-in that mints a token with the broker's own development key for
 * any tenant and roles. The sign-in exists only here — a deployed portal signs in with the hospital's
 * identity provider (OIDC) — and `HCB_DEV_SIGN_IN=off` removes it from a shared embedded broker too.
 */
export function portalRoutes(
  devKey: JWK,
  options: { devSignIn: boolean; publicBaseUrl: string; dist?: string },
): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const dist = options.dist ?? PORTAL_DIST;
  // A page elsewhere cannot read the answer (no CORS), but a DNS-rebound name pointing at 127.0.0.1
  // would be same-origin: only the loopback names and the broker's own public host get tokens.
  const ownHosts = new Set(['127.0.0.1', 'localhost', '[::1]', new URL(options.publicBaseUrl).hostname]);

  app.get('/config.json', (c) =>
    c.json({ apiUrl: '', auth: options.devSignIn ? { mode: 'development' } : { mode: 'none' } }),
  );

  if (options.devSignIn)
    app.post('/dev/sign-in', async (c) => {
      const host = new URL(c.req.url).hostname;
      if (!ownHosts.has(host))
        throw new BrokerError(
          'devSignIn.forbidden',
          "development sign-in answers only on the broker's own host names",
        );
      if (!(c.req.header('content-type') ?? '').startsWith('application/json'))
        throw new BrokerError('request.unsupportedMediaType', 'send application/json');
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new BrokerError('request.malformedJson', 'body: malformed JSON');
      }
      const parsed = SignIn.safeParse(body);
      if (!parsed.success) throw validationError(parsed.error, 'json');
      const { tenant, roles } = parsed.data;
      const token = await mintDevToken(devKey, { tenant, roles, ttlSeconds: DEV_TOKEN_SECONDS });
      const expiresAt = new Date(Date.now() + DEV_TOKEN_SECONDS * 1000).toISOString();
      return c.json({ token, expiresAt, development: true });
    });

  for (const page of PORTAL_PAGES)
    app.get(page, (c) => {
      const index = join(dist, 'index.html');
      return existsSync(index) ? c.html(readFileSync(index, 'utf8')) : c.html(NOT_BUILT);
    });

  app.get('/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = TYPES[extname(file)];
    const path = join(dist, 'assets', file);
    // Names only (no separators, no dot-dot): nothing outside the build's assets folder is reachable.
    if (!/^[\w-]+(\.[\w-]+)*$/.test(file) || !type || !existsSync(path))
      throw new BrokerError('route.notFound', `no route ${c.req.path}`);
    // Vite names every asset by its content hash: a name never changes meaning.
    return c.body(readFileSync(path), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=31536000, immutable',
    });
  });
  return app;
}
