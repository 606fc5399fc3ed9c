import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, storeError } from './dynamo-errors.ts';
import { DELETED, liveIndexKeys } from './tenant-resource-keys.ts';

/** The sort-key prefixes of the tenant resources the live index holds (each store's `prefix`). */
export const LIVE_INDEXED_PREFIXES = ['VM', 'VOL', 'SNAP', 'IMG', 'BKT', 'NET', 'LNK'] as const;

/**
 * Gives every tenant resource written before the live index existed its entry (`gsi2pk`/`gsi2sk`), so it
 * shows in lists again: one scan of the table, one conditional update per resource that is not deleted
 * and has no entry yet. Safe to run while the broker serves (a resource deleted meanwhile is skipped by
 * the condition) and to run again. Returns how many resources it gave an entry.
 */
export async function backfillLiveIndex(
  documents: DynamoDBDocumentClient,
  tableName: string,
): Promise<number> {
  let filled = 0;
  let startKey: Record<string, unknown> | undefined;
  const kinds = LIVE_INDEXED_PREFIXES.map((_, i) => `begins_with(sk, :k${i})`).join(' OR ');
  const kindValues = Object.fromEntries(LIVE_INDEXED_PREFIXES.map((p, i) => [`:k${i}`, `${p}#`]));
  try {
    do {
      const { Items = [], LastEvaluatedKey } = await documents.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: `begins_with(pk, :tenant) AND (${kinds}) AND #status <> :deleted AND attribute_not_exists(gsi2pk)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':tenant': 'TENANT#', ':deleted': DELETED, ...kindValues },
          ProjectionExpression: 'pk, sk',
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const { pk, sk } of Items as { pk: string; sk: string }[]) {
        const separator = sk.indexOf('#');
        const keys = liveIndexKeys(
          sk.slice(0, separator),
          pk.slice('TENANT#'.length),
          sk.slice(separator + 1),
        );
        try {
          await documents.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk, sk },
              UpdateExpression: 'SET gsi2pk = :pk, gsi2sk = :sk',
              ConditionExpression: 'attribute_exists(pk) AND #status <> :deleted',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':pk': keys.gsi2pk, ':sk': keys.gsi2sk, ':deleted': DELETED },
            }),
          );
          filled += 1;
        } catch (error) {
          // Deleted (or gone) since the scan read it: it stays out of the live index.
          if (!isConditionFailure(error)) throw error;
        }
      }
      startKey = LastEvaluatedKey;
    } while (startKey);
  } catch (error) {
    throw storeError(error);
  }
  return filled;
}
