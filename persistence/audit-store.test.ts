import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../core/model/audit.ts';
import type { AuditAnchor, ChainHead } from '../core/ports/audit-log.ts';
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

/** An anchor in memory, as append-only as the real ones. */
class MemoryAnchor implements AuditAnchor {
  readonly heads = new Map<string, ChainHead[]>();
  async record(chain: string, head: ChainHead) {
    this.heads.set(chain, [...(this.heads.get(chain) ?? []), head]);
  }
  async latest(chain: string) {
    return (this.heads.get(chain) ?? []).reduce<ChainHead | undefined>(
      (best, head) => (best === undefined || head.seq > best.seq ? head : best),
      undefined,
    );
  }
}

describe('AuditStore', () => {
  const anchor = new MemoryAnchor();
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
    const a = new AuditStore(table(), 'eu-west-1', systemClock, cursors, anchor);
    const b = new AuditStore(table(), 'eu-west-1', systemClock, cursors, anchor);
    await Promise.all([
      (async () => {
        for (let i = 0; i < 40; i++) await a.append(entry(i, 'a'));
      })(),
      (async () => {
        for (let i = 0; i < 40; i++) await b.append(entry(i, 'b'));
      })(),
    ]);
    expect(await a.verify()).toEqual({ chain: 'eu-west-1', records: 80, ok: true, anchoredSeq: 80 });
    expect(anchor.heads.get('eu-west-1')).toHaveLength(80);
    const page = await b.list({}, { limit: 100 });
    expect(page.items.map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => 80 - i));
    expect(new Set(page.items.map((r) => r.requestId)).size).toBe(80);
  });

  it('concurrent appends share anchor writes, and each returns only once its head is anchored', async () => {
    /** An anchor whose writes take a while, so appends arrive while one is in flight. */
    class SlowAnchor extends MemoryAnchor {
      override async record(chain: string, head: ChainHead) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await super.record(chain, head);
      }
    }
    const slow = new SlowAnchor();
    const store = new AuditStore(
      createBrokerTable('audit-test', documentClientFor(client)),
      'sa-east-1',
      systemClock,
      cursors,
      slow,
    );
    const anchoredWhenDone = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const record = await store.append(entry(i, 'burst'));
        return { seq: record.seq, anchored: (await slow.latest('sa-east-1'))?.seq ?? 0 };
      }),
    );
    for (const { seq, anchored } of anchoredWhenDone) expect(anchored).toBeGreaterThanOrEqual(seq);
    const heads = slow.heads.get('sa-east-1')!.map((h) => h.seq);
    expect(heads.at(-1)).toBe(30);
    expect(heads.length).toBeLessThan(30);
    expect(heads).toEqual([...heads].sort((x, y) => x - y));
    expect(await store.verify()).toEqual({ chain: 'sa-east-1', records: 30, ok: true, anchoredSeq: 30 });
  });

  it('keeps chains of different regions apart', async () => {
    const us = new AuditStore(
      createBrokerTable('audit-test', documentClientFor(client)),
      'us-east-1',
      systemClock,
      cursors,
      anchor,
    );
    const first = await us.append(entry(0, 'us'));
    expect(first.seq).toBe(1);
    expect((await us.verify()).records).toBe(1);
  });

  it('detects the newest records deleted from the table, and a rewritten tail, against the anchor', async () => {
    const documents = documentClientFor(client);
    const store = new AuditStore(
      createBrokerTable('audit-test', documents),
      'ap-south-1',
      systemClock,
      cursors,
      anchor,
    );
    for (let i = 0; i < 5; i++) await store.append(entry(i, 'tail'));
    expect(await store.verify()).toMatchObject({ ok: true, records: 5, anchoredSeq: 5 });

    // Delete records 4 and 5 directly in the store: what is left still links up by itself.
    for (const seq of [5, 4])
      await documents.send(
        new DeleteCommand({
          TableName: 'audit-test',
          Key: { pk: 'AUDIT#ap-south-1', sk: String(seq).padStart(12, '0') },
        }),
      );
    expect(await store.verify()).toEqual({
      chain: 'ap-south-1',
      records: 3,
      ok: false,
      brokenAt: 4,
      anchoredSeq: 5,
      reason: 'records 4 to 5 are missing: the anchor holds head 5',
    });

    // Rewriting the tail into a consistent new chain does not help: record 5's hash is anchored.
    const fresh = new AuditStore(
      createBrokerTable('audit-test', documents),
      'ap-south-1',
      systemClock,
      cursors,
      anchor,
    );
    const forgedAnchor = new MemoryAnchor();
    const forger = new AuditStore(
      createBrokerTable('audit-test', documents),
      'ap-south-1',
      systemClock,
      cursors,
      forgedAnchor,
    );
    await forger.append(entry(97, 'forger'));
    await forger.append(entry(98, 'forger'));
    expect(await fresh.verify()).toMatchObject({ ok: false, brokenAt: 5, anchoredSeq: 5 });
  });
});
