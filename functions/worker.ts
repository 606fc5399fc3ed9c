import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { BrokerMetrics } from '../core/ports/metrics.ts';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';
import { parseOperationRef } from '../runtime/aws/sqs-queue.ts';

/**
 * The worker function: one tick of each queued operation. A failed tick reports its message as a batch
 * item failure so SQS redelivers it (and, after the redrive limit, parks it in the dead-letter queue).
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { worker, metrics, events } = await lambdaBroker();
  observeQueueAge(event, metrics);
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

/** How long the batch's oldest message waited in SQS (the queue's depth is CloudWatch's own SQS metric). */
function observeQueueAge(event: SQSEvent, metrics: BrokerMetrics): void {
  const sent = event.Records.map((r) => Number(r.attributes?.SentTimestamp)).filter(Number.isFinite);
  if (sent.length > 0) metrics.queueObserved(undefined, Math.max(0, Date.now() - Math.min(...sent)));
}
