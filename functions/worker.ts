import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { BrokerMetrics } from '../core/ports/metrics.ts';
import { lambdaBroker } from '../runtime/aws/lambda-broker.ts';
import { parseOperationRef } from '../runtime/aws/sqs-queue.ts';

/**
 * The worker function: one tick of each queued operation. A failed tick reports its message as a batch
 * item failure (Powertools batch) so SQS redelivers it and, after the redrive limit, parks it in the
 * dead-letter queue. A batch whose every tick failed is answered the same way rather than thrown
 * (Powertools' default): SQS redelivers it alike, and the function's error metric stays for real faults.
 */
// One per environment, as Powertools documents: it clears its state at the start of each batch.
const processor = new BatchProcessor(EventType.SQS);

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const { worker, metrics, events } = await lambdaBroker();
  observeQueueAge(event, metrics);
  const tick = (record: SQSRecord) => worker.run(parseOperationRef(record.body));
  try {
    // One at a time, as before: ticks of one batch share the process's connections and its clock.
    return await processPartialResponse(event, tick, processor, {
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
  } finally {
    // Tell what just finished without waiting for the reconciler's schedule; it catches whatever this misses.
    await events.deliverPending().catch(() => undefined);
  }
}

/** How long the batch's oldest message waited in SQS (the queue's depth is CloudWatch's own SQS metric). */
function observeQueueAge(event: SQSEvent, metrics: BrokerMetrics): void {
  const sent = event.Records.map((r) => Number(r.attributes?.SentTimestamp)).filter(Number.isFinite);
  if (sent.length > 0) metrics.queueObserved(undefined, Math.max(0, Date.now() - Math.min(...sent)));
}
