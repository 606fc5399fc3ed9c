import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Hono } from 'hono';

const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

/**
 * `/docs`: interactive API docs over `/openapi.json`. Assets come from the `swagger-ui-dist` package
 * served locally (hospital networks often block CDNs); where the files are not on disk (a bundled Lambda),
 * the page falls back to the same version from a CDN.
 */
export function docsRoutes(): Hono {
  const app = new Hono();
  const assets = loadAssets();
  const base = assets ? '/docs/assets' : 'https://cdn.jsdelivr.net/npm/swagger-ui-dist@5';
  // No validator badge: it would call an outside service (and the policy below blocks it anyway).
  const init =
    "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs', persistAuthorization: true, validatorUrl: null });";
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hybrid cloud broker API</title>
<link rel="stylesheet" href="${base}/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script>${init}</script>
</body></html>`;
  // Only the bundle and this one inline script run (by hash); Swagger UI styles itself inline. Never framed.
  const origin = assets ? '' : ' https://cdn.jsdelivr.net';
  const csp =
    `default-src 'self'; script-src 'self'${origin} 'sha256-${createHash('sha256').update(init).digest('base64')}'; ` +
    `style-src 'self'${origin} 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; ` +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  app.get('/docs', (c) => c.html(page, 200, { 'content-security-policy': csp }));
  if (assets)
    app.get('/docs/assets/:file', (c) => {
      const body = assets.get(c.req.param('file'));
      if (body === undefined) return c.notFound();
      const type = c.req.param('file').endsWith('.css') ? 'text/css' : 'text/javascript';
      return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
    });
  return app;
}

function loadAssets(): Map<string, string> | undefined {
  try {
    const dir = join(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'), '..');
    return new Map(ASSETS.map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
  } catch {
    return undefined;
  }
}
