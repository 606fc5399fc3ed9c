import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../core/model/audit.ts';
import { systemClock } from '../core/ports/clock.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../runtime/local/embedded-dynamo.ts';
import { AuditStore } from './audit-store.ts';
import { createBrokerTable, documentClientFor, ensureTables } from './broker-table.ts';
import { CursorCodec } from './cursor.ts';

const cursors = new CursorCodec(Buffer.alloc(32, 7));

const entry = (i: number, writer: string): AuditEntry => ({
  requestId: `req-${writer}-${i}`,
  actor: { sub: writer, tenant: 't', roles: ['app'] },
  action: 'vm.create',
  resource: { type: 'vm', tenant: 't' },
  outcome: 'accepted',
  httpStatus: 202,
  policies: [],
});

describe('AuditStore', () => {
  let dynamo: EmbeddedDynamo;
  let client: DynamoDBClient;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo(undefined);
    client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTables(client, 'audit-test');
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it('two writers appending concurrently make one gapless, unforked chain', async () => {
    const table = () => createBrokerTable('audit-test', documentClientFor(client));
    const a = new AuditStore(table(), 'eu-west-1', systemClock, cursors);
    const b = new AuditStore(table(), 'eu-west-1', systemClock, cursors);
    await Promise.all([
      (async () => {
        for (let i = 0; i < 40; i++) await a.append(entry(i, 'a'));
      })(),
      (async () => {
        for (let i = 0; i < 40; i++) await b.append(entry(i, 'b'));
      })(),
    ]);
    expect(await a.verify()).toEqual({ chain: 'eu-west-1', records: 80, ok: true });
    const page = await b.list({}, { limit: 100 });
    expect(page.items.map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => 80 - i));
    expect(new Set(page.items.map((r) => r.requestId)).size).toBe(80);
  });

  it('keeps chains of different regions apart', async () => {
    const us = new AuditStore(
      createBrokerTable('audit-test', documentClientFor(client)),
      'us-east-1',
      systemClock,
      cursors,
    );
    const first = await us.append(entry(0, 'us'));
    expect(first.seq).toBe(1);
    expect((await us.verify()).records).toBe(1);
  });
});
