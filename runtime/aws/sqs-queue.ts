import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BrokerError } from '../../core/errors.ts';
import type { OperationQueue, OperationRef } from '../../core/ports/queue.ts';

/** SQS caps a message's delay at 15 minutes. */
const MAX_DELAY_SECONDS = 900;

/** Operations queue on SQS: the worker function consumes it; delays poll clouds without busy-waiting. */
export class SqsOperationQueue implements OperationQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async enqueue(ref: OperationRef, delayMs = 0): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: JSON.stringify(ref),
          DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.ceil(delayMs / 1000)),
        }),
      );
    } catch (error) {
      throw new BrokerError('queue.unavailable', 'could not enqueue the operation', {
        cause: error,
        retryAfterSeconds: 2,
      });
    }
  }
}

/** Parses a queue message body back into an OperationRef (anything else is rejected). */
export function parseOperationRef(body: string): OperationRef {
  const parsed = JSON.parse(body) as Partial<OperationRef>;
  if (typeof parsed.tenant !== 'string' || typeof parsed.operationId !== 'string')
    throw new BrokerError('queue.invalidMessage', 'not an operation reference');
  return { tenant: parsed.tenant, operationId: parsed.operationId };
}
