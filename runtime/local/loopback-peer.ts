import type { Context } from 'hono';

/**
 * Whether the TCP peer of a request served by @hono/node-server is this host (127.0.0.0/8 or ::1).
 * Behind a reverse proxy on the same host every request would look local: `HCB_METRICS_ACCESS=loopback`
 * is only for a broker listening directly (docs/metrics.md). Requests with no socket (in-process
 * `app.request`) are not local.
 */
export function isLoopbackPeer(c: Context): boolean {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const address = env?.incoming?.socket?.remoteAddress;
  if (address === undefined) return false;
  return address === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}
