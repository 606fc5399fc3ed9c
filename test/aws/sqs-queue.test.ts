import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { parseOperationRef, SqsOperationQueue } from '../../runtime/aws/sqs-queue.ts';

process.env.AWS_ENDPOINT_URL ??= 'http://127.0.0.1:4566';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

/** The Lambda runtime's queue adapter against a real SQS endpoint (the emulator). */
describe('SqsOperationQueue', () => {
  it('sends operation references the worker can parse, delayed as asked', async () => {
    const client = new SQSClient({ region: 'us-east-1' });
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `hcb-ops-${Date.now()}` }));
    const queue = new SqsOperationQueue(client, QueueUrl!);
    await queue.enqueue({ tenant: 't1', operationId: 'op-now' });
    await queue.enqueue({ tenant: 't1', operationId: 'op-later' }, 2_000);
    const first = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect((first.Messages ?? []).map((m) => parseOperationRef(m.Body!).operationId)).toEqual(['op-now']);
    await new Promise((r) => setTimeout(r, 2_200));
    const later = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    expect((later.Messages ?? []).map((m) => parseOperationRef(m.Body!))).toEqual([
      { tenant: 't1', operationId: 'op-later' },
    ]);
  });
});
