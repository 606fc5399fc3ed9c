import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { itemSize } from 'dynalite/db/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../core/ids.ts';
import type { QuotaHold } from '../core/ports/quota-ledger.ts';
import { MAX_HOLDS_PER_SITE } from '../core/quotas/quota-limits.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../runtime/local/embedded-dynamo.ts';
import {
  CONTRACT_DEFAULTS,
  exactlyKOfN,
  randomSequencesKeepTheBooks,
} from '../test/support/quota-ledger-contract.ts';
import { createBrokerTable, documentClientFor, ensureTables } from './broker-table.ts';
import { QuotaStore } from './quota-store.ts';

/** The quota ledger on dynalite (no transactions): the same contract runs on moto in test/aws/. */
describe('QuotaStore on dynalite', () => {
  let dynamo: EmbeddedDynamo;
  let client: DynamoDBClient;
  let ledger: QuotaStore;

  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo(undefined);
    client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTables(client, 'quota-test');
    ledger = new QuotaStore(createBrokerTable('quota-test', documentClientFor(client)), CONTRACT_DEFAULTS);
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it('admits exactly K of 3K parallel reservations', () => exactlyKOfN(ledger, 'kofn', 7, 21));

  it('keeps used == the sum of live resources and never exceeds a limit (property)', () =>
    randomSequencesKeepTheBooks(ledger, Number(process.env.HCB_QUOTA_PROPERTY_RUNS ?? 15)));

  it('releases a hold once however often it is asked, and moves it between sites', async () => {
    const demand = { instances: 1, vcpus: 2 };
    await ledger.reserve('once', 'onprem', { resourceId: 'vm-a', operationId: 'op-a', demand });
    await ledger.reserve('once', 'onprem', { resourceId: 'vm-a', operationId: 'op-a', demand });
    expect((await ledger.view('once')).onprem.reserved.vcpus).toBe(2);
    await ledger.move('once', 'vm-a', 'onprem', 'public');
    const moved = await ledger.view('once');
    expect([moved.onprem.reserved.vcpus, moved.public.reserved.vcpus]).toEqual([0, 2]);
    expect(await Promise.all([ledger.release('once', 'vm-a'), ledger.release('once', 'vm-a')])).toContain(
      false,
    );
    const after = await ledger.view('once');
    expect(after.public.reserved.vcpus).toBe(0);
    expect(after.public.used.vcpus).toBe(0);
  });

  it("keeps a site with every hold its limits allow under DynamoDB's 400 KB item limit", async () => {
    // The longest ids and the largest VM demand: the worst hold a tenant can keep.
    const demand = { instances: 1, vcpus: 1024, ramMiB: 16_777_216 };
    const hold = (): QuotaHold => ({
      resourceId: newId('snap'),
      site: 'onprem',
      demand,
      state: 'used',
      operationId: newId('op'),
      at: new Date().toISOString(),
    });
    const limits = { instances: MAX_HOLDS_PER_SITE, volumes: 0, snapshots: 0, buckets: 0 };
    await ledger.setLimits('full', { onprem: { ...limits, vcpus: 1024 * MAX_HOLDS_PER_SITE } });
    await ledger.setLimits('full', { onprem: { ramMiB: 16_777_216 * MAX_HOLDS_PER_SITE } });
    const entry = await ledger.entry('full', 'onprem');
    const holds = Array.from({ length: MAX_HOLDS_PER_SITE - 1 }, hold);
    expect(await ledger.rebuild(entry!, holds)).toBe(true);
    // The last one through admission itself: the write that fills the site is accepted.
    const last = hold();
    await ledger.reserve('full', 'onprem', last);
    await ledger.confirm('full', 'onprem', last.resourceId);
    expect((await ledger.view('full')).onprem.used.instances).toBe(MAX_HOLDS_PER_SITE);
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: 'quota-test',
        Key: { pk: { S: 'QUOTA#full' }, sk: { S: 'SITE#onprem' } },
      }),
    );
    // Every hold's version may grow to four digits (resizes) and the item must still fit.
    const worst = itemSize(Item ?? {}) + MAX_HOLDS_PER_SITE * 3;
    expect(worst).toBeLessThan(400 * 1024);
  });

  it('confirms, resizes and releases a hold an earlier broker stored as a map', async () => {
    const legacy = {
      d: { instances: 1, vcpus: 2 },
      s: 'r',
      op: 'op-old',
      at: '2026-01-01T00:00:00.000Z',
      v: 1,
    };
    await documentClientFor(client).send(
      new PutCommand({
        TableName: 'quota-test',
        Item: {
          pk: 'QUOTA#legacy',
          sk: 'SITE#onprem',
          holds: { 'vm-old': legacy },
          limits: {},
          held_instances: 1,
          held_vcpus: 2,
          version: 1,
        },
      }),
    );
    expect((await ledger.entry('legacy', 'onprem'))?.holds).toEqual([
      {
        resourceId: 'vm-old',
        site: 'onprem',
        demand: legacy.d,
        state: 'reserved',
        operationId: 'op-old',
        at: legacy.at,
      },
    ]);
    expect(await ledger.confirm('legacy', 'onprem', 'vm-old')).toBe(true);
    await ledger.change('legacy', 'onprem', 'vm-old', { instances: 1, vcpus: 4 });
    expect((await ledger.view('legacy')).onprem.used.vcpus).toBe(4);
    expect(await ledger.release('legacy', 'vm-old', 'onprem')).toBe(true);
    const after = await ledger.view('legacy');
    expect([after.onprem.used.vcpus, after.onprem.reserved.vcpus, after.onprem.used.instances]).toEqual([
      0, 0, 0,
    ]);
  });
});
