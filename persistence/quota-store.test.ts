import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
