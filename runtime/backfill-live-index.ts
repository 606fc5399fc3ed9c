import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClientFor } from '../persistence/broker-table.ts';
import { backfillLiveIndex } from '../persistence/live-index-backfill.ts';

/**
 * `hcb backfill-live-index`: fills a table's live index with the AWS SDK's own environment (account,
 * region, `AWS_ENDPOINT_URL`). Returns how many resources it gave an entry.
 */
export async function backfillTable(tableName: string): Promise<number> {
  const client = new DynamoDBClient({});
  try {
    return await backfillLiveIndex(documentClientFor(client), tableName);
  } catch (error) {
    // The store error says that DynamoDB failed; an operator running this needs DynamoDB's own reason.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    throw cause ? new Error(`${(error as Error).message}: ${cause.name}: ${cause.message}`) : error;
  } finally {
    client.destroy();
  }
}
