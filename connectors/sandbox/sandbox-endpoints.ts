import { Hono } from 'hono';
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

  app.get('/console/:target/:server', async (c) => {
    const provider = sandbox(c.req.param('target'));
    const server = await provider?.compute.getServer(c.req.param('server')).catch(() => undefined);
    if (!server) return c.text('no such simulated server\n', 404);
    return c.html(
      `<!doctype html><title>Simulated console</title><body style="font-family:monospace">` +
        `<p><strong>SIMULATION</strong> — sandbox cloud, not a real VM.</p>` +
        `<pre>[sandbox] server ${server.id} is ${server.state}\nlogin: _</pre></body>`,
    );
  });
  return app;
}
