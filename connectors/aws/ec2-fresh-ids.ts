import { isBrokerError } from '../../core/errors.ts';
import { sleep } from './aws-settings.ts';

export interface FreshIdsOptions {
  /** How long after creation a `NotFound` for the id is taken for eventual consistency, not absence. */
  graceMs?: number;
  /** Pauses between retries of a call that said `NotFound` for a fresh id. */
  retryDelaysMs?: number[];
  /** Which errors mean "the id does not exist"; any `notFound` BrokerError when absent. */
  absent?: (error: unknown) => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * EC2's API is eventually consistent: right after RunInstances, calls on the new id may answer
 * `InvalidInstanceID.NotFound` for a while
 * (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). The connector remembers the
 * ids it created recently (with what RunInstances returned) and retries such calls with backoff instead
 * of reporting a server that exists as gone — or, worse, treating a delete as already done.
 * Per process: a different process falls back to the core's lookup by broker id and the ClientToken.
 */
export class FreshIds<V> {
  readonly #recent = new Map<string, { at: number; value: V }>();
  readonly #graceMs: number;
  readonly #delays: number[];
  readonly #absent: (error: unknown) => boolean;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: FreshIdsOptions = {}) {
    this.#graceMs = options.graceMs ?? 120_000;
    this.#delays = options.retryDelaysMs ?? [250, 500, 1_000, 2_000];
    this.#absent = options.absent ?? ((error) => isBrokerError(error, 'notFound'));
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? sleep;
  }

  remember(id: string, value: V): void {
    this.#prune();
    this.#recent.set(id, { at: this.#now(), value });
  }

  /** What was remembered for `id` while it is still within the grace period. */
  recent(id: string): V | undefined {
    const entry = this.#recent.get(id);
    if (!entry) return undefined;
    if (this.#now() - entry.at > this.#graceMs) {
      this.#recent.delete(id);
      return undefined;
    }
    return entry.value;
  }

  /** Runs `call`; while it throws `notFound` for a fresh id, waits and tries again. */
  async retry<T>(id: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const delay = this.#delays[attempt];
        if (!this.#absent(error) || delay === undefined || this.recent(id) === undefined) throw error;
        await this.#sleep(delay);
      }
    }
  }

  #prune(): void {
    const oldest = this.#now() - this.#graceMs;
    for (const [id, entry] of this.#recent) if (entry.at < oldest) this.#recent.delete(id);
  }
}
