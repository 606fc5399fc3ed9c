import type { Logger } from '../../core/ports/logger.ts';
import type { OperationQueue, OperationRef } from '../../core/ports/queue.ts';

type Runner = (ref: OperationRef) => Promise<void>;

interface Slot {
  /** Set while a delivery waits for its time; `due` says when (epoch ms). */
  timer?: NodeJS.Timeout;
  due?: number;
  /** Delivered and waiting for a free run. */
  queued: boolean;
  running: boolean;
  /** Delivered again while running: when (epoch ms) to run once more after this run ends. */
  again?: number;
  /** When the delivery became due and joined the ready list (epoch ms). */
  readySince?: number;
}

/**
 * The embedded default's queue: timers in this process, at most `concurrency` operations running at once,
 * one run per operation at a time. Nothing is lost on a crash because operations live in the store and
 * are re-enqueued on start (see resumeUnfinished).
 *
 * Delays: a delivery asked for with `delayMs` runs no sooner than `delayMs` after the request, and no
 * sooner than the end of the operation's current run — a worker that asks to be woken in 5 s while it is
 * still running is woken 5 s after it asked, not at once. One operation has at most one delivery pending:
 * when it is asked for again, the earliest due time wins, because delivering early is always safe (the
 * worker checks and waits again) while delivering later than someone asked is not.
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
    const due = Date.now() + Math.max(0, delayMs);
    const slot = this.#slot(ref);
    if (slot.running) {
      slot.again = Math.min(slot.again ?? due, due);
      return;
    }
    if (slot.queued) return; // runs as soon as there is room: nothing can be sooner
    if (slot.due !== undefined && slot.due <= due) return;
    this.#schedule(ref, slot, due);
  }

  /**
   * Operations waiting (scheduled or ready, not running) and how long the oldest has waited since it
   * became due (ms): what `/metrics` shows as the queue's depth and age.
   */
  backlog(now = Date.now()): { depth: number; oldestAgeMs: number } {
    let depth = 0;
    let oldest = now;
    for (const slot of this.#slots.values()) {
      if (slot.queued || slot.due !== undefined) depth += 1;
      if (slot.queued && slot.readySince !== undefined) oldest = Math.min(oldest, slot.readySince);
    }
    return { depth, oldestAgeMs: now - oldest };
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
      delete slot.due;
      delete slot.again;
      slot.queued = false;
    }
    this.#waiting.length = 0;
    await this.whenIdle();
  }

  #schedule(ref: OperationRef, slot: Slot, due: number): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.due = due;
    slot.timer = setTimeout(
      () => {
        delete slot.timer;
        delete slot.due;
        slot.queued = true;
        slot.readySince = Date.now();
        this.#waiting.push(ref);
        this.#pump();
      },
      Math.max(0, due - Date.now()),
    );
  }

  #pump(): void {
    while (this.#active < this.#concurrency && this.#waiting.length > 0 && this.#runner && !this.#closed) {
      const ref = this.#waiting.shift()!;
      const slot = this.#slot(ref);
      slot.queued = false;
      delete slot.readySince;
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
          const again = slot.again;
          delete slot.again;
          if (again !== undefined && !this.#closed) this.#schedule(ref, slot, again);
          else if (!slot.timer && !slot.queued) this.#slots.delete(ref.operationId);
          this.#pump();
          if (this.#isIdle()) for (const resolve of this.#idle.splice(0)) resolve();
        });
    }
  }

  #slot(ref: OperationRef): Slot {
    let slot = this.#slots.get(ref.operationId);
    if (!slot) {
      slot = { queued: false, running: false };
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
