import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { vmLifeThroughEvents } from '../support/events-flow.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

useEmulator();

/** Events of a VM on AWS (the emulator), with the broker's own table — outbox and event log — on it too. */
describe('events with an AWS target and the broker table on the emulator', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      targetsFile: await awsCatalogue(['us-east-1']),
      env: {
        HCB_DYNAMODB_ENDPOINT: process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
        HCB_TABLE_NAME: `hcb-events-${Date.now()}`,
        HCB_EVENTS_SETTLE_MS: '500',
      },
    });
  });
  afterAll(() => h?.close());

  it('tells create, stop, delete and a denied placement through a webhook and the stream', async () => {
    await vmLifeThroughEvents(
      h,
      'tenant-aws-events',
      {
        name: 'told-aws',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'public',
        region: 'us-east-1',
      },
      { name: 'nope', size: 'small', image: 'ubuntu-24.04', classification: 'phi', region: 'us-east-1' },
      120_000,
      'aws-us-east-1',
    );
  }, 300_000);
});
