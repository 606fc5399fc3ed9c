import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { FunctionPool } from './function-pool.ts';

export interface ScheduleOptions {
  everyMs: number;
  region: string;
  ruleArn: string;
  retryAttempts: number;
}

/**
 * The EventBridge rule that invokes the reconciler on its schedule, with the rule's retry attempts on a
 * failed run (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html). A run
 * that is still going when the next is due is not doubled (the function's reserved concurrency is 1).
 */
export class Scheduler {
  readonly #timer: NodeJS.Timeout;
  #running: Promise<unknown> | undefined;
  /** Reports of the runs so far (the reconciler returns its pass report). */
  readonly runs: { at: string; ok: boolean }[] = [];

  readonly #fn: FunctionPool;
  readonly #options: ScheduleOptions;

  constructor(fn: FunctionPool, options: ScheduleOptions) {
    this.#fn = fn;
    this.#options = options;
    this.#timer = setInterval(() => this.tick(), options.everyMs);
    this.#timer.unref();
  }

  tick(): Promise<unknown> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<void> {
    const event: ScheduledEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: this.#options.region,
      resources: [this.#options.ruleArn],
      detail: {},
    };
    for (let attempt = 0; attempt <= this.#options.retryAttempts; attempt++) {
      const result = await this.#fn.invoke(event);
      this.runs.push({ at: event.time, ok: result.ok });
      if (result.ok) return;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
