import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { idempotencyTableName, TTL_ATTRIBUTE } from '../persistence/broker-table.ts';
import { startEmbeddedDynamo } from '../runtime/local/embedded-dynamo.ts';

/** Bytes under `dir`, every file counted (what `du -sb` reports, without the directories' own blocks). */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

export interface LiveData {
  storeItems: number;
  storeBytes: number;
  sandboxBytes: number;
}

/**
 * The live data in a stopped broker's data folder: every store item DynamoDB would still hold (items whose
 * TTL attribute is past are gone there), sized as their JSON, plus the sandbox clouds' state files (each is
 * exactly its content). Opens the folder's store itself, so the broker must be stopped first.
 */
export async function liveData(dataDir: string, tableName: string): Promise<LiveData> {
  const store = await startEmbeddedDynamo(dataDir);
  const client = new DynamoDBClient({
    endpoint: store.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const nowSeconds = Math.floor(Date.now() / 1000);
  let storeItems = 0;
  let storeBytes = 0;
  try {
    for (const table of [tableName, idempotencyTableName(tableName)])
      for await (const page of paginateScan({ client }, { TableName: table }))
        for (const item of page.Items ?? []) {
          const expires = item[TTL_ATTRIBUTE]?.N;
          if (expires !== undefined && Number(expires) < nowSeconds) continue;
          storeItems += 1;
          storeBytes += Buffer.byteLength(JSON.stringify(item));
        }
  } finally {
    client.destroy();
    await store.close();
  }
  const sandboxDir = join(dataDir, 'sandbox');
  let sandboxBytes = 0;
  for (const name of readdirSync(sandboxDir).filter((n) => n.endsWith('.json')))
    sandboxBytes += Buffer.byteLength(readFileSync(join(sandboxDir, name)));
  return { storeItems, storeBytes, sandboxBytes };
}
