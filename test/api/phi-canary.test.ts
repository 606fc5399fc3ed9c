import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** A string that would only appear where the payload itself was copied. */
const CANARY = 'CANARY-PHI-c4a7e19b';

/** Everything in the broker's DynamoDB tables, as raw JSON. */
async function dumpTables(h: Harness): Promise<string> {
  const client = new DynamoDBClient({
    endpoint: h.broker.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  let all = '';
  for (const table of ['hcb-broker', 'hcb-broker-idempotency']) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start as never } : {}) }),
      );
      all += JSON.stringify(page.Items);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  client.destroy();
  return all;
}

describe('PHI stays out of the control plane (I2)', () => {
  let h: Harness;
  let token: string;
  let auditor: string;

  beforeAll(async () => {
    h = await startHarness();
    token = await h.token('tenant-phi', ['app']);
    auditor = await h.token('tenant-phi', ['auditor']);
  });
  afterAll(() => h.close());

  it("keeps a phi VM's user data only on the on-prem target, a hash in the store, nothing in logs or errors", async () => {
    const userData = `#cloud-config\nwrite_files: [{ path: /etc/patient, content: "${CANARY}" }]`;
    const created = await h.call('POST', '/v1/vms', {
      token,
      body: { name: 'ehr-ingest', size: 'small', image: 'ubuntu-24.04', classification: 'phi', userData },
      headers: { 'idempotency-key': 'phi-1' },
    });
    expect(created.status).toBe(202);
    expect(created.text).not.toContain(CANARY);
    // While building, the payload waits on the on-prem target, not in DynamoDB.
    const target = created.body.vm.placement.targetId;
    expect(
      JSON.stringify(JSON.parse(readFileSync(join(h.dataDir, 'sandbox', `${target}.json`), 'utf8')).payloads),
    ).not.toBe('{}');
    expect(await dumpTables(h)).not.toContain(CANARY);
    await h.settle(token, created.body.operation.id);

    // A rejected request carrying the canary: the problem does not echo it.
    const rejected = await h.call('POST', '/v1/vms', {
      token,
      body: { name: 'ehr-ingest', size: 'enormous', image: 'ubuntu-24.04', classification: 'phi', userData },
    });
    expect(rejected.status).toBe(400);
    expect(rejected.text).not.toContain(CANARY);

    const everything = await dumpTables(h);
    expect(everything).not.toContain(CANARY);
    expect(h.logs.join('\n')).not.toContain(CANARY);
    const audit = await h.call('GET', '/v1/audit?limit=100', { token: auditor });
    expect(audit.text).not.toContain(CANARY);
    // Once active the on-prem copy is gone too; only its hash remains.
    const sandbox = JSON.parse(readFileSync(join(h.dataDir, 'sandbox', `${target}.json`), 'utf8'));
    expect(sandbox.payloads).toEqual({});
  });

  it('keeps a non-phi payload in the control plane (allowed), proving the scan would see one', async () => {
    await h.call('POST', '/v1/vms', {
      token,
      body: {
        name: 'web',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'public',
        userData: `#cloud-config ${CANARY}-public`,
      },
    });
    expect(await dumpTables(h)).toContain(`${CANARY}-public`);
  });
});
