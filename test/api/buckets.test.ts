import { createHash, createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

const CANARY_KEY = 'patients/CANARY-MRN-55810273/scan.dcm';

async function dump(h: Harness): Promise<string> {
  const client = new DynamoDBClient({
    endpoint: h.broker.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  let all = '';
  for (const table of ['hcb-broker', 'hcb-broker-idempotency'])
    all += JSON.stringify((await client.send(new ScanCommand({ TableName: table }))).Items);
  client.destroy();
  return all;
}

describe('buckets over the API', () => {
  let h: Harness;
  let app: string;
  let auditor: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-obj', ['app']);
    auditor = await h.token('tenant-obj', ['auditor']);
  });
  afterAll(() => h.close());

  const bucket = async (name: string, classification: string) => {
    const reply = await h.call('POST', '/v1/buckets', { token: app, body: { name, classification } });
    expect(reply.status, reply.text).toBe(202);
    expect((await h.settle(app, reply.body.operation.id)).status).toBe('succeeded');
    return (await h.call('GET', `/v1/buckets/${reply.body.bucket.id}`, { token: app })).body;
  };
  const presign = (id: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.call('POST', `/v1/buckets/${id}/presign`, { token: app, body, headers });

  it('places phi buckets on-prem and public ones by rank', async () => {
    expect((await bucket('records', 'phi')).placement.site).toBe('onprem');
    expect((await bucket('brochures', 'public')).placement.targetId).toBe('sandbox-public-east');
  });

  it('round-trips real bytes through presigned links; the broker never sees or keeps the key', async () => {
    const b = await bucket('imaging', 'phi');
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    const put = await presign(
      b.id,
      { key: CANARY_KEY, method: 'PUT', expiresInSeconds: 120 },
      { 'idempotency-key': 'presign-1' },
    );
    expect(put.status, put.text).toBe(200);
    expect(put.headers.get('cache-control')).toBe('no-store');
    expect(Date.parse(put.body.expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);
    expect(
      (await fetch(put.body.url, { method: 'PUT', body: bytes, headers: put.body.headers })).status,
    ).toBe(201);
    const get = await presign(b.id, { key: CANARY_KEY, method: 'GET', expiresInSeconds: 60 });
    const downloaded = Buffer.from(await (await fetch(get.body.url)).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);

    // The method is part of what is signed; a tampered link fails.
    expect((await fetch(put.body.url)).status).toBe(401);
    expect((await fetch(get.body.url.replace('signature=', 'signature=0'))).status).toBe(401);

    // Not in the store (the idempotent reply was deliberately not stored), not in logs; the audit keeps a hash.
    expect(await dump(h)).not.toContain('CANARY-MRN');
    expect(h.logs.join('\n')).not.toContain('CANARY-MRN');
    const again = await presign(
      b.id,
      { key: CANARY_KEY, method: 'PUT', expiresInSeconds: 120 },
      { 'idempotency-key': 'presign-1' },
    );
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    const audit = await h.call('GET', '/v1/audit?action=bucket.presign&limit=10', { token: auditor });
    expect(audit.text).not.toContain('CANARY-MRN');
    // A keyed digest: a guessable key cannot be confirmed by hashing guesses without the server secret
    // (created in the data folder, mode 0600).
    const secretFile = join(h.dataDir, 'audit-key-secret');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const secret = readFileSync(secretFile, 'utf8').trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const detail = audit.body.items[0].detail;
    expect(detail).toMatchObject({
      keyHmacSha256: createHmac('sha256', secret).update(CANARY_KEY).digest('hex'),
      method: 'PUT',
      expiresInSeconds: '120',
    });
    expect(JSON.stringify(detail)).not.toContain(createHash('sha256').update(CANARY_KEY).digest('hex'));
  });

  it('bounds link lifetimes (900 s for phi, 3600 s otherwise) and validates keys', async () => {
    const phi = await bucket('short-lived', 'phi');
    const pub = await bucket('long-lived', 'public');
    for (const [id, body, field] of [
      [phi.id, { key: 'a', method: 'GET', expiresInSeconds: 901 }, 'body.expiresInSeconds'],
      [pub.id, { key: 'a', method: 'GET', expiresInSeconds: 3601 }, 'body.expiresInSeconds'],
      [pub.id, { key: 'a', method: 'DELETE', expiresInSeconds: 60 }, 'body.method'],
      [pub.id, { key: '', method: 'GET' }, 'body.key'],
      [pub.id, { key: '/abs', method: 'GET' }, 'body.key'],
      [pub.id, { key: 'bad\u0007key', method: 'GET' }, 'body.key'],
    ] as const) {
      const reply = await presign(id, body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await presign(pub.id, { key: 'a', method: 'GET', expiresInSeconds: 3600 })).status).toBe(200);
  });

  it('refuses to delete a bucket holding objects unless forced, then leaves nothing behind', async () => {
    const b = await bucket('to-delete', 'internal');
    const put = await presign(b.id, { key: 'x.txt', method: 'PUT' });
    await fetch(put.body.url, { method: 'PUT', body: 'hello' });
    const refused = await h.call('DELETE', `/v1/buckets/${b.id}`, { token: app });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('bucket.notEmpty');
    expect((await h.call('GET', `/v1/buckets/${b.id}`, { token: app })).body.status).toBe('active');
    const forced = await h.call('DELETE', `/v1/buckets/${b.id}?force=true`, { token: app });
    expect(forced.status).toBe(202);
    expect((await h.settle(app, forced.body.operation.id)).status).toBe('succeeded');
    expect((await h.call('GET', `/v1/buckets/${b.id}`, { token: app })).body.status).toBe('deleted');
    const gone = await h.broker.providers
      .get(b.placement.targetId)
      .objectStorage.getBucket(`hcb-${b.id}`)
      .catch((e: Error) => e);
    expect((gone as { kind?: string }).kind).toBe('notFound');
  });
});
