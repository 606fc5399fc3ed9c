import { DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/**
 * A key names at most one resource, ever: even when the stored response is gone (its claim expired
 * after a crash, or its record aged out), re-sending the request answers with the resource it made.
 */
describe('an Idempotency-Key stays bound to what it created (I4)', () => {
  let h: Harness;
  let app: string;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-bound', ['app'], 'binder');
    dynamo = new DynamoDBClient({
      endpoint: h.broker.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    dynamo.destroy();
    await h.close();
  });

  /** Forgets every stored response, as if each claim had expired. */
  const forgetStoredResponses = async () => {
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: 'hcb-broker-idempotency' }));
    for (const item of Items)
      await dynamo.send(
        new DeleteItemCommand({ TableName: 'hcb-broker-idempotency', Key: { id: item.id! } }),
      );
    return Items.length;
  };
  const post = (path: string, key: string, body: unknown) =>
    h.call('POST', path, { token: app, body, headers: { 'idempotency-key': key } });
  const count = async (path: string) =>
    (await h.call('GET', `${path}?limit=100`, { token: app })).body.items.length as number;

  it.each([
    ['/v1/vms', 'vm', { name: 'bound-vm', size: 'small', image: 'ubuntu-24.04', classification: 'phi' }],
    ['/v1/volumes', 'volume', { name: 'bound-vol', sizeGiB: 10, classification: 'internal' }],
    ['/v1/buckets', 'bucket', { name: 'bound-bkt', classification: 'internal' }],
  ] as const)('POST %s: the re-send answers with the same %s, not a second one', async (path, noun, body) => {
    const first = await post(path, `bound-${noun}`, body);
    expect(first.status).toBe(202);
    await h.settle(app, first.body.operation.id);
    const before = await count(path);
    expect(await forgetStoredResponses()).toBeGreaterThan(0);
    const again = await post(path, `bound-${noun}`, body);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body[noun].id).toBe(first.body[noun].id);
    expect(again.body.operation.id).toBe(first.body.operation.id);
    expect(again.body.operation.status).toBe('succeeded');
    expect(await count(path)).toBe(before);
    // The same key with another body is still refused, though no response is stored any more.
    await forgetStoredResponses();
    const other = await post(path, `bound-${noun}`, { ...body, name: 'something-else' });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency.keyReused');
    expect(await count(path)).toBe(before);
  });

  it('POST /v1/volumes/{id}/snapshots: the re-send answers with the same snapshot', async () => {
    const volume = await post('/v1/volumes', 'snap-source', {
      name: 'src',
      sizeGiB: 10,
      classification: 'internal',
    });
    await h.settle(app, volume.body.operation.id);
    const path = `/v1/volumes/${volume.body.volume.id}/snapshots`;
    const first = await post(path, 'bound-snap', { name: 'nightly' });
    expect(first.status).toBe(202);
    await h.settle(app, first.body.operation.id);
    await forgetStoredResponses();
    const again = await post(path, 'bound-snap', { name: 'nightly' });
    expect(again.body.snapshot.id).toBe(first.body.snapshot.id);
    expect(await count(path)).toBe(1);
  });
});
