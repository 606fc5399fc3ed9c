import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreakerHealth } from '../../core/placement/circuit-breaker.ts';
import { createBrokerTable, documentClientFor, ensureTables } from '../../persistence/broker-table.ts';
import { TargetHealthDynamoStore } from '../../persistence/target-health-store.ts';
import { useEmulator } from './emulator.ts';

useEmulator();

/** Shared target health on the emulator's DynamoDB (the embedded default runs the same code on dynalite). */
describe('target health in the broker table (DynamoDB emulator)', () => {
  const client = new DynamoDBClient({});
  const tableName = `hcb-health-${process.pid}-${Date.now()}`;
  let store: TargetHealthDynamoStore;

  beforeAll(async () => {
    await ensureTables(client, tableName);
    store = new TargetHealthDynamoStore(createBrokerTable(tableName, documentClientFor(client)));
  });
  afterAll(async () => {
    for (const name of [tableName, `${tableName}-idempotency`])
      await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
  });

  it('writes with a version condition: a stale writer loses', async () => {
    const record = { targetId: 't1', failures: 1, expiresAt: Date.now() + 60_000, version: 0 };
    expect(await store.put(record)).toBe(true);
    expect(await store.put({ ...record, failures: 5 })).toBe(false);
    const stored = await store.get('t1');
    expect(stored).toMatchObject({ targetId: 't1', failures: 1, version: 1 });
    expect(await store.put({ ...stored!, failures: 2 })).toBe(true);
    expect((await store.list()).map((r) => [r.targetId, r.failures, r.version])).toEqual([['t1', 2, 2]]);
  });

  it('lets two processes share one circuit', async () => {
    const options = { threshold: 2, cacheMs: 0 };
    const a = new CircuitBreakerHealth({ now: () => new Date() }, store, options);
    const b = new CircuitBreakerHealth({ now: () => new Date() }, store, options);
    await a.recordFailure('t2', 'aws.timeout');
    await b.recordFailure('t2', 'aws.timeout');
    await a.refresh();
    expect(a.state('t2')).toBe('open');
    await a.recordSuccess('t2');
    await b.refresh();
    expect(b.state('t2')).toBe('closed');
  });
});
