import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A DynamoDB global table for regions on one emulator. Moto keeps a table per region; a global table is
 * one table every region reads and writes. This proxy forwards each region's DynamoDB calls to the
 * emulator with the signing region rewritten to the table's home region, so both regions' functions use
 * the same table under their own `AWS_REGION` — stronger than a real global table (which replicates
 * asynchronously, last writer wins), which the broker's conditional writes do not rely on anyway.
 * The emulator does not check signatures; the rewrite only picks its regional backend.
 */
export async function startGlobalTableProxy(
  emulator: URL,
  homeRegion: string,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const headers = { ...req.headers };
    if (typeof headers.authorization === 'string')
      headers.authorization = headers.authorization.replace(
        /(Credential=[^/]+\/\d{8}\/)[a-z0-9-]+(\/dynamodb\/)/,
        `$1${homeRegion}$2`,
      );
    headers.host = emulator.host;
    const upstream = request(
      { hostname: emulator.hostname, port: emulator.port, path: req.url, method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
