import { type Context, Hono } from 'hono';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import { SandboxProvider } from './sandbox-provider.ts';

/**
 * The simulated clouds' own endpoints, mounted by the embedded server under `/sandbox`: the object store
 * that presigned links point at, and a console page. They stand in for the cloud's endpoints — object
 * bytes sent here never touch the broker's API or its state store.
 */
export function sandboxEndpoints(providers: () => CloudProvider[]): Hono {
  const app = new Hono();
  const sandbox = (targetId: string) =>
    providers().find((p): p is SandboxProvider => p instanceof SandboxProvider && p.target.id === targetId);

  app.on(['GET', 'PUT'], '/objects/:target/:bucket/:key{.+}', async (c) => {
    const provider = sandbox(c.req.param('target'));
    if (!provider) return c.text('no such simulated target\n', 404);
    const body = c.req.method === 'PUT' ? new Uint8Array(await c.req.arrayBuffer()) : undefined;
    const result = provider.objectStorage.handle({
      method: c.req.method,
      bucket: c.req.param('bucket'),
      key: c.req.param('key'),
      expires: c.req.query('expires'),
      signature: c.req.query('signature'),
      ...(body ? { body } : {}),
    });
    if (result.body)
      return c.body(new Uint8Array(result.body), 200, {
        'content-type': result.contentType ?? 'application/octet-stream',
      });
    return c.body(null, result.status as 200);
  });

  // A console link opens once, within its time to live (sandbox-console.ts); the token is in the path
  // only, never logged, and a refusal does not echo it back.
  app.get('/console/:token', (c) => {
    const token = c.req.param('token');
    for (const provider of providers()) {
      if (!(provider instanceof SandboxProvider)) continue;
      const redeemed = provider.compute.redeemConsole(token);
      if (redeemed.ok === false && redeemed.refusal === 'unknown') continue;
      if (!redeemed.ok) return consoleRefused(c, redeemed.refusal);
      if (!redeemed.server) return consoleRefused(c, 'gone');
      const { server } = redeemed;
      return c.html(
        `<!doctype html><title>Simulated console</title><body style="font-family:monospace">` +
          `<p><strong>SIMULATION</strong> — sandbox cloud, not a real VM (target ${escapeHtml(provider.target.id)}).</p>` +
          `<pre>[sandbox] server ${escapeHtml(server.id)} on ${escapeHtml(server.host ?? 'unknown host')} is ${server.state}\nlogin: _</pre></body>`,
        200,
        { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
      );
    }
    return consoleRefused(c, 'unknown');
  });
  return app;
}

const REFUSALS = {
  unknown: { status: 403, code: 'console.tokenInvalid', detail: 'this console link is not valid' },
  used: { status: 410, code: 'console.tokenUsed', detail: 'this console link was already opened once' },
  expired: { status: 410, code: 'console.tokenExpired', detail: 'this console link has expired' },
  gone: { status: 410, code: 'console.serverGone', detail: 'the server of this console link is gone' },
} as const;

/**
 * An RFC 9457 problem shaped as the API's, with statuses of its own: like the object store above, this
 * stands in for a cloud's endpoint (nova-novncproxy), not the broker's API. The token is never echoed.
 */
function consoleRefused(c: Context, why: keyof typeof REFUSALS): Response {
  const { status, code, detail } = REFUSALS[why];
  return c.body(
    JSON.stringify({
      type: `https://hcb.invalid/problems/${code}`,
      title: 'Console link refused',
      status,
      code,
      detail,
    }),
    status,
    {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
    },
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
