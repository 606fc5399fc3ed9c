import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from './embedded-dynamo.ts';

/**
 * Every open iterator holds a LevelDB snapshot: native memory that is never freed, and table files that
 * compaction can never delete. Reads of every shape must leave none open.
 */
describe('embedded store: reads close their iterators', () => {
  let store: EmbeddedDynamo | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const persisted of [true, false])
    it(`${persisted ? 'on disk' : 'in memory'}: none left open after queries, scans and pages`, async () => {
      dir = persisted ? mkdtempSync(join(tmpdir(), 'hcb-dynamo-')) : undefined;
      store = await startEmbeddedDynamo(dir);
      const client = new DynamoDBClient({
        endpoint: store.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const TableName = 'iterators';
      await client.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
      for (let i = 0; i < 30; i++)
        await client.send(
          new PutItemCommand({
            TableName,
            Item: { pk: { S: 'p' }, sk: { S: String(i).padStart(3, '0') } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      const key = { ':p': { S: 'p' } };
      const page = await client.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: key,
          Limit: 5,
        }),
      );
      expect(page.Items).toHaveLength(5);
      const all = await client.send(
        new QueryCommand({ TableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: key }),
      );
      expect(all.Items).toHaveLength(30);
      await client.send(new ScanCommand({ TableName, Limit: 3 }));
      await client.send(new ScanCommand({ TableName }));
      await client.send(new GetItemCommand({ TableName, Key: { pk: { S: 'p' }, sk: { S: '007' } } }));
      client.destroy();
      expect(store.iterators.opened()).toBe(4); // one per query and scan
      // Closing is asynchronous: it may finish just after the answer was sent.
      await expect.poll(() => store!.iterators.open(), { timeout: 2_000 }).toBe(0);
    });
});
