import { type AttributeValue, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/ports/logger.ts';
import { ensureTables, idempotencyTableName, TTL_ATTRIBUTE } from '../../persistence/broker-table.ts';
import { sweepExpired, sweptTables } from '../../persistence/expiry-sweep.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from './embedded-dynamo.ts';
import { startExpirySweeper } from './expiry-sweeper.ts';

const TABLE = 'sweep-test';
const IDEMPOTENCY = idempotencyTableName(TABLE);
const tables = sweptTables(TABLE, IDEMPOTENCY);

/** dynalite ignores TTL; the embedded default deletes expired items itself, as DynamoDB would. */
describe('embedded store: expired items are swept', () => {
  let store: EmbeddedDynamo;
  let client: DynamoDBClient;
  const now = Math.floor(Date.now() / 1000);

  beforeEach(async () => {
    store = await startEmbeddedDynamo(undefined);
    client = new DynamoDBClient({
      endpoint: store.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await ensureTables(client, TABLE);
    const expiring = (at: number | undefined): Record<string, AttributeValue> =>
      at === undefined ? {} : { [TTL_ATTRIBUTE]: { N: String(at) } };
    for (const [sk, at] of [
      ['expired-1', now - 10],
      ['expired-2', now - 86_400],
      ['future', now + 3_600],
      ['forever', undefined],
    ] as const) {
      await client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'EVENTS#t' }, sk: { S: sk }, ...expiring(at) },
        }),
      );
      await client.send(
        new PutItemCommand({ TableName: IDEMPOTENCY, Item: { id: { S: sk }, ...expiring(at) } }),
      );
    }
  });
  afterEach(async () => {
    client.destroy();
    await store.close();
  });

  const left = async (TableName: string, key: string) =>
    ((await client.send(new ScanCommand({ TableName }))).Items ?? []).map((i) => i[key]!.S).sort();

  it('deletes exactly the items whose TTL is past, in both tables', async () => {
    await expect(sweepExpired(client, tables, now)).resolves.toBe(4);
    expect(await left(TABLE, 'sk')).toEqual(['forever', 'future']);
    expect(await left(IDEMPOTENCY, 'id')).toEqual(['forever', 'future']);
    await expect(sweepExpired(client, tables, now)).resolves.toBe(0);
  });

  it('measures "past" against the clock it is given', async () => {
    const sweeper = startExpirySweeper(client, tables, silentLogger, {
      now: () => (now - 2 * 86_400) * 1000,
    });
    await expect(sweeper.sweep()).resolves.toBe(0);
    await sweeper.stop();
    expect(await left(IDEMPOTENCY, 'id')).toHaveLength(4);
  });

  it('the sweeper sweeps at start and on demand, and stops', async () => {
    const sweeper = startExpirySweeper(client, tables, silentLogger);
    // The sweep at start has run (or runs) before this one: together they delete the four.
    const second = await sweeper.sweep();
    expect(second).toBe(0);
    expect(await left(TABLE, 'sk')).toEqual(['forever', 'future']);
    await sweeper.stop();
    await client.send(
      new PutItemCommand({
        TableName: IDEMPOTENCY,
        Item: { id: { S: 'late' }, [TTL_ATTRIBUTE]: { N: String(now - 1) } },
      }),
    );
    await expect(sweeper.sweep()).resolves.toBe(0);
    expect(await left(IDEMPOTENCY, 'id')).toEqual(['forever', 'future', 'late']);
  });
});
