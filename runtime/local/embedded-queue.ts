import type { Logger } from '../../core/ports/logger.ts';
import type { OperationQueue, OperationRef } from '../../core/ports/queue.ts';

type Runner = (ref: OperationRef) => Promise<void>;

interface Slot {
  timer?: NodeJS.Timeout;
  running: boolean;
  /** Delivered again while running: run once more afterwards. */
  again: boolean;
}

/**
 * The embedded default's queue: timers in this process, at most `concurrency` operations running at once,
 * one run per operation at a time. Nothing is lost on a crash because operations live in the store and
 * are re-enqueued on start (see resumeUnfinished).
 */
export class EmbeddedQueue implements OperationQueue {
  readonly #slots = new Map<string, Slot>();
  readonly #waiting: OperationRef[] = [];
  readonly #concurrency: number;
  readonly #log: Logger;
  #runner: Runner | undefined;
  #active = 0;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(log: Logger, concurrency = 8) {
    this.#log = log;
    this.#concurrency = concurrency;
  }

  /** Set once the worker exists (the worker itself needs the queue). */
  attach(runner: Runner): void {
    this.#runner = runner;
  }

  async enqueue(ref: OperationRef, delayMs = 0): Promise<void> {
    if (this.#closed) return;
    const slot = this.#slot(ref);
    if (slot.running) {
      slot.again = true;
      return;
    }
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      delete slot.timer;
      this.#waiting.push(ref);
      this.#pump();
    }, delayMs);
  }

  /** Resolves when nothing is scheduled or running (tests). */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking work and resolves once the runs in flight have finished (the store must outlive them). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const slot of this.#slots.values()) {
      if (slot.timer) clearTimeout(slot.timer);
      delete slot.timer;
      slot.again = false;
    }
    this.#waiting.length = 0;
    await this.whenIdle();
  }

  #pump(): void {
    while (this.#active < this.#concurrency && this.#waiting.length > 0 && this.#runner && !this.#closed) {
      const ref = this.#waiting.shift()!;
      const slot = this.#slot(ref);
      if (slot.running) {
        slot.again = true;
        continue;
      }
      slot.running = true;
      this.#active += 1;
      this.#runner(ref)
        .catch((error: unknown) => {
          this.#log.error('worker run failed', { operationId: ref.operationId, error: String(error) });
          // An unexpected failure (store down): try again later rather than drop the operation.
          void this.enqueue(ref, 5_000);
        })
        .finally(() => {
          slot.running = false;
          this.#active -= 1;
          if (slot.again) {
            slot.again = false;
            void this.enqueue(ref);
          } else if (!slot.timer) this.#slots.delete(ref.operationId);
          this.#pump();
          if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve();
        });
    }
  }

  #slot(ref: OperationRef): Slot {
    let slot = this.#slots.get(ref.operationId);
    if (!slot) {
      slot = { running: false, again: false };
      this.#slots.set(ref.operationId, slot);
    }
    return slot;
  }

  #isIdle(): boolean {
    return (
      this.#active === 0 &&
      this.#waiting.length === 0 &&
      ![...this.#slots.values()].some((s) => s.timer || s.running)
    );
  }
}
