import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';
import { parseOperationRef } from '../runtime/aws/sqs-queue.ts';

/**
 * The worker function: one tick of each queued operation. A failed tick reports its message as a batch
 * item failure so SQS redelivers it (and, after the redrive limit, parks it in the dead-letter queue).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { worker, events } = await lambdaBroker();
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await worker.run(parseOperationRef(record.body));
    } catch {
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  // Tell what just finished without waiting for the reconciler's schedule; it catches whatever this misses.
  await events.deliverPending().catch(() => undefined);
  return { batchItemFailures: failures };
}
