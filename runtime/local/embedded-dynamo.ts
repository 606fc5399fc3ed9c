import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { type IteratorCount, withClosingIterators } from './dynalite-iterators.ts';

export interface EmbeddedDynamo {
  endpoint: string;
  /** The store's open iterators: none once every read has answered. */
  iterators: IteratorCount;
  close(): Promise<void>;
}

/**
 * A DynamoDB-compatible store in this process (dynalite), persisted under `<dataDir>/dynamodb`, or in
 * memory without a data folder. Same wire protocol as DynamoDB, so the broker talks to it with the real
 * SDK and the same code paths. dynalite has no transactions or streams; the broker uses neither.
 */
export async function startEmbeddedDynamo(dataDir: string | undefined): Promise<EmbeddedDynamo> {
  let path: string | undefined;
  if (dataDir) {
    path = join(dataDir, 'dynamodb');
    mkdirSync(path, { recursive: true });
  }
  const { started: server, iterators } = withClosingIterators(() =>
    dynalite({
      ...(path ? { path } : {}),
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    iterators,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
