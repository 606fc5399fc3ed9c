import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerTable, documentClientFor, ensureTables } from '../../persistence/broker-table.ts';
import { QuotaStore } from '../../persistence/quota-store.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { CONTRACT_DEFAULTS, exactlyKOfN } from '../support/quota-ledger-contract.ts';
import * as s from '../support/quota-scenarios.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

useEmulator();

/** Quotas with AWS (the emulator) as the public site, and the ledger on the emulator's DynamoDB. */
describe('quotas on AWS (emulator)', () => {
  let w: s.QuotaWorld;
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: await awsCatalogue(['us-east-1']) });
    w = {
      h,
      operator: await h.token('platform', ['operator']),
      site: 'public',
      classification: 'public',
      targetId: 'aws-us-east-1',
      settleMs: 120_000,
    };
  });
  afterAll(() => h?.close());

  it('admits exactly K of 3K parallel creates on EC2, and deletes release them', () =>
    s.exactlyKOfThreeK(w, 3));
  it('releases the reservation of a create EC2 refused', () => s.releasesOnFailedCreate(w));
  it('a crash between reservation and RunInstances leaks nothing after one reconcile', () =>
    s.crashLeavesNoReservation(w));
  it('rebuilds tampered counters from inventory', () => s.tamperedCountersRebuilt(w));
  it("shows the account's EC2 max-instances as the target's capacity", async () => {
    const resources = await s.capacityShown(w, 'ec2');
    expect((resources.instances as { limit: number }).limit).toBeGreaterThan(0);
  });

  it('the ledger admits exactly K of 3K on the emulator DynamoDB too (conditional writes only)', async () => {
    const client = new DynamoDBClient({});
    const name = `hcb-quota-${process.pid}-${Date.now()}`;
    await ensureTables(client, name);
    const ledger = new QuotaStore(createBrokerTable(name, documentClientFor(client)), CONTRACT_DEFAULTS);
    await exactlyKOfN(ledger, 'moto-tenant', 5, 15);
    client.destroy();
  });
});
