import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { QueueMapping } from './cloud-assembly.ts';
import type { FunctionPool } from './function-pool.ts';

export interface PollerOptions {
  sqs: SQSClient;
  region: string;
  queueUrl: string;
  queueArn: string;
  mapping: QueueMapping;
  worker: FunctionPool;
  /** Parallel pollers (Lambda scales up to the mapping's maximum concurrency). */
  concurrency: number;
  /** Long-poll wait; the event source mapping uses 20 s. */
  waitSeconds?: number;
}

/**
 * The SQS event source mapping, as Lambda runs it
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html): long-poll up to
 * `BatchSize` messages, invoke the function with them, then delete the batch — all of it on success, all
 * but the `batchItemFailures` when the function reports partial failures, none of it when the invocation
 * fails (error, timeout, crash). Undeleted messages return after the queue's visibility timeout; the
 * queue's redrive policy moves a message to the dead-letter queue after `maxReceiveCount` receives —
 * SQS's own doing, here the emulator's.
 */
export class SqsPoller {
  readonly #options: PollerOptions;
  readonly #abort = new AbortController();
  #loops: Promise<void>[] = [];

  constructor(options: PollerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#loops = Array.from({ length: this.#options.concurrency }, () => this.#loop());
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#loops);
  }

  async #loop(): Promise<void> {
    const { sqs, queueUrl, mapping } = this.#options;
    while (!this.#abort.signal.aborted) {
      let messages: Message[] = [];
      try {
        ({ Messages: messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: mapping.batchSize,
            WaitTimeSeconds: this.#options.waitSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.#abort.signal },
        ));
      } catch {
        if (this.#abort.signal.aborted) return;
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      if (messages.length === 0) continue;
      const result = await this.#options.worker.invoke(this.#event(messages));
      if (!result.ok) continue; // every message comes back after the visibility timeout
      const failed = new Set(
        mapping.reportBatchItemFailures
          ? ((result.value as SQSBatchResponse | undefined)?.batchItemFailures ?? []).map(
              (f) => f.itemIdentifier,
            )
          : [],
      );
      const done = messages.filter((m) => !failed.has(m.MessageId!));
      if (done.length > 0)
        await sqs
          .send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          )
          .catch(() => undefined); // not deleted: redelivered, and the worker's steps are idempotent
    }
  }

  #event(messages: Message[]): SQSEvent {
    return {
      Records: messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: m.Attributes?.SenderId ?? 'local',
          ApproximateFirstReceiveTimestamp:
            m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: this.#options.queueArn,
        awsRegion: this.#options.region,
      })),
    };
  }
}
