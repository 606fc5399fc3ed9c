import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditRecord } from '../../core/model/audit.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { AuditStore } from '../../persistence/audit-store.ts';
import { createBrokerTable, documentClientFor, ensureTables } from '../../persistence/broker-table.ts';
import { CursorCodec } from '../../persistence/cursor.ts';
import { S3AuditAnchor } from '../../runtime/aws/s3-audit-anchor.ts';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../runtime/local/embedded-dynamo.ts';
import { useEmulator } from './emulator.ts';

const entry = (i: number): AuditEntry => ({
  requestId: `req-${i}`,
  actor: { sub: 's', tenant: 't', roles: ['app'] },
  action: 'vm.create',
  resource: { type: 'vm', tenant: 't' },
  outcome: 'accepted',
  httpStatus: 202,
  policies: [],
});

/** The AWS audit anchor: write-once heads in an Object Lock bucket (as the regional stack creates it). */
describe('S3 audit anchor (Object Lock) on the emulator', () => {
  let dynamo: EmbeddedDynamo;
  let client: DynamoDBClient;
  let s3: S3Client;
  const bucket = `hcb-audit-anchor-${Date.now()}`;

  beforeAll(async () => {
    useEmulator();
    s3 = new S3Client({ region: 'us-east-1', forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } },
        },
      }),
    );
    dynamo = await startEmbeddedDynamo(undefined);
    client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureTables(client, 'anchor-test');
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  it('anchors every head; truncating the table is detected; an anchored head cannot be deleted', async () => {
    const anchor = new S3AuditAnchor(s3, bucket);
    const documents = documentClientFor(client);
    const store = new AuditStore(
      createBrokerTable('anchor-test', documents),
      'us-east-1',
      systemClock,
      new CursorCodec(Buffer.alloc(32, 7)),
      anchor,
    );
    expect(await anchor.latest('us-east-1')).toBeUndefined();
    const records: AuditRecord[] = [];
    for (let i = 1; i <= 11; i++) records.push(await store.append(entry(i)));
    // The newest head is the first key listed, past the 10th (the keys count down).
    expect(await anchor.latest('us-east-1')).toEqual({ seq: 11, hash: records[10]!.hash });
    expect(await store.verify()).toMatchObject({ ok: true, records: 11, anchoredSeq: 11 });
    // Recording a head again (a retried put) is harmless.
    await anchor.record('us-east-1', { seq: 11, hash: records[10]!.hash });

    await documents.send(
      new DeleteCommand({ TableName: 'anchor-test', Key: { pk: 'AUDIT#us-east-1', sk: '000000000011' } }),
    );
    expect(await store.verify()).toMatchObject({ ok: false, records: 10, brokenAt: 11, anchoredSeq: 11 });

    const { Versions = [] } = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const newest = Versions.find((v) => v.Key?.includes(`-11-${records[10]!.hash}`));
    expect(newest).toBeDefined();
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: newest!.Key, VersionId: newest!.VersionId })),
    ).rejects.toThrow();
  });
});
