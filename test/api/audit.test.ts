import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

describe('audit (I3): one record per mutating request, hash-chained', () => {
  let h: Harness;
  let app: string;
  let auditor: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-audit', ['app'], 'svc-scheduler');
    auditor = await h.token('tenant-audit', ['auditor']);
  });
  afterAll(() => h.close());

  const records = async () => (await h.call('GET', '/v1/audit?limit=100', { token: auditor })).body.items;

  it('records each mutating request once — accepted, denied and rejected alike — and a replay as a replay', async () => {
    const before = (await records()).length;
    const body = { name: 'audited', size: 'small', image: 'ubuntu-24.04', classification: 'phi' };
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body,
      headers: { 'idempotency-key': 'audit-1' },
    });
    await h.call('POST', '/v1/vms', { token: app, body, headers: { 'idempotency-key': 'audit-1' } }); // replay
    await h.call('POST', '/v1/vms', { token: app, body: { ...body, size: 'nope' } }); // rejected
    await h.call('POST', '/v1/vms', { token: auditor, body }); // denied
    await h.call('GET', '/v1/vms', { token: app }); // not mutating
    const after = await records();
    expect(after.length - before).toBe(4);
    const [denied, rejected, replay, accepted] = after;
    expect(replay).toMatchObject({ outcome: 'accepted', replayOf: accepted.requestId });
    expect(accepted).toMatchObject({
      action: 'vm.create',
      outcome: 'accepted',
      httpStatus: 202,
      actor: { sub: 'svc-scheduler', tenant: 'tenant-audit', roles: ['app'] },
      resource: { type: 'vm', id: created.body.vm.id, tenant: 'tenant-audit' },
      operationId: created.body.operation.id,
    });
    expect(accepted.requestId).toMatch(/^req-/);
    expect(accepted.placement.chosen).toBe(created.body.vm.placement.targetId);
    expect(accepted.placement.candidates.length).toBe(4);
    expect(accepted.placement.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect(accepted.policies.length).toBeGreaterThan(0);
    expect(rejected).toMatchObject({ outcome: 'rejected', httpStatus: 400, errorCode: 'request.invalid' });
    expect(denied).toMatchObject({ outcome: 'denied', httpStatus: 403, errorCode: 'auth.forbidden' });
    await h.settle(app, created.body.operation.id);
  });

  it('chains records by hash, and verification finds a tampered record', async () => {
    const verified = await h.call('GET', '/v1/audit/verify', { token: auditor });
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.records).toBeGreaterThanOrEqual(3);
    const all = await records();
    for (let i = 0; i < all.length - 1; i++) expect(all[i].prevHash).toBe(all[i + 1].hash);

    // Rewrite history directly in the store: the second record now claims another outcome.
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: h.broker.dynamoEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    );
    const second = all.at(-2);
    await client.send(
      new UpdateCommand({
        TableName: 'hcb-broker',
        Key: { pk: `AUDIT#${second.chain}`, sk: String(second.seq).padStart(12, '0') },
        UpdateExpression: 'SET #r.#o = :o',
        ExpressionAttributeNames: { '#r': 'record', '#o': 'outcome' },
        ExpressionAttributeValues: { ':o': 'succeeded' },
      }),
    );
    const broken = await h.call('GET', '/v1/audit/verify', { token: auditor });
    expect(broken.body).toMatchObject({ ok: false, brokenAt: second.seq });
  });

  it('filters by action and tenant, and pages with a cursor', async () => {
    const page1 = await h.call('GET', '/v1/audit?limit=1&action=vm.create', { token: auditor });
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.nextCursor).toBeTruthy();
    const page2 = await h.call('GET', `/v1/audit?limit=1&action=vm.create&cursor=${page1.body.nextCursor}`, {
      token: auditor,
    });
    expect(page2.body.items[0].seq).toBeLessThan(page1.body.items[0].seq);
    const byTenant = await h.call('GET', '/v1/audit?tenant=tenant-audit&limit=100', { token: auditor });
    expect(
      byTenant.body.items.every(
        (r: { resource: { tenant: string } }) => r.resource.tenant === 'tenant-audit',
      ),
    ).toBe(true);
    const other = await h.call('GET', '/v1/audit?tenant=nobody', { token: auditor });
    expect(other.status).toBe(403); // another tenant's trail is the operators' to read
    const wrongCursor = await h.call('GET', `/v1/audit?limit=1&cursor=${page1.body.nextCursor}`, {
      token: auditor,
    });
    expect(wrongCursor.status).toBe(400);
  });
});

describe('audit (I3): the chain head is anchored outside the table', () => {
  let h: Harness;
  let app: string;
  let auditor: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-anchor', ['app']);
    auditor = await h.token('tenant-anchor', ['auditor']);
  });
  afterAll(() => h.close());

  it('deleting the newest records from the table makes verification fail, naming the first missing one', async () => {
    for (const name of ['anchored-1', 'anchored-2', 'anchored-3']) {
      const created = await h.call('POST', '/v1/vms', {
        token: app,
        body: { name, size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
      });
      expect(created.status, created.text).toBe(202);
    }
    const before = (await h.call('GET', '/v1/audit/verify', { token: auditor })).body;
    expect(before).toMatchObject({ ok: true, records: 3, anchoredSeq: 3 });
    // One fsync'd line per append in the data folder: sequence number and hash.
    const lines = readFileSync(join(h.dataDir, 'audit-anchor', `${before.chain}.log`), 'utf8')
      .trim()
      .split('\n');
    const newest = (await h.call('GET', '/v1/audit?limit=1', { token: auditor })).body.items[0];
    expect(lines).toHaveLength(3);
    expect(lines.at(-1)).toBe(`3 ${newest.hash}`);

    // Truncate the chain directly in the store: the two newest records go.
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: h.broker.dynamoEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
    );
    for (const seq of [3, 2])
      await client.send(
        new DeleteCommand({
          TableName: 'hcb-broker',
          Key: { pk: `AUDIT#${before.chain}`, sk: String(seq).padStart(12, '0') },
        }),
      );
    const after = await h.call('GET', '/v1/audit/verify', { token: auditor });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ ok: false, records: 1, brokenAt: 2, anchoredSeq: 3 });
    expect(after.body.reason).toContain('missing');
  });
});
