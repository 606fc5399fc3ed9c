import { DeleteItemCommand, type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS, TTL_ATTRIBUTE } from './broker-table.ts';
import { isConditionFailure } from './dynamo-errors.ts';

export interface SweptTable {
  name: string;
  /** The table's key attributes: what a delete names. */
  keys: readonly string[];
}

/** The broker's table and its idempotency table, with their keys. */
export function sweptTables(tableName: string, idempotencyTable: string): SweptTable[] {
  return [
    { name: tableName, keys: [TABLE_KEYS.partitionKey.name, TABLE_KEYS.sortKey.name] },
    { name: idempotencyTable, keys: ['id'] },
  ];
}

/**
 * Deletes the items whose TTL attribute (epoch seconds) is past, as DynamoDB's TTL does in AWS
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html). For stores without TTL —
 * the embedded default's dynalite ignores it — so expired idempotency records and events do not pile up.
 * Each delete is conditional on the item still being expired: one rewritten since the scan stays.
 * Returns how many items it deleted.
 */
export async function sweepExpired(
  client: DynamoDBClient,
  tables: readonly SweptTable[],
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<number> {
  let deleted = 0;
  const expired = { ':now': { N: String(nowSeconds) } };
  for (const table of tables) {
    const names = Object.fromEntries([TTL_ATTRIBUTE, ...table.keys].map((a, i) => [`#a${i}`, a]));
    const pages = paginateScan(
      { client, pageSize: 500 },
      {
        TableName: table.name,
        FilterExpression: '#a0 < :now',
        ProjectionExpression: Object.keys(names).slice(1).join(', '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: expired,
      },
    );
    for await (const page of pages)
      for (const key of page.Items ?? []) {
        try {
          await client.send(
            new DeleteItemCommand({
              TableName: table.name,
              Key: key,
              ConditionExpression: '#e < :now',
              ExpressionAttributeNames: { '#e': TTL_ATTRIBUTE },
              ExpressionAttributeValues: expired,
            }),
          );
          deleted += 1;
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
  }
  return deleted;
}
