import { describeError, isBrokerError, isRetryable } from '../errors.ts';
import { finishingEvents } from '../events/operation-events.ts';
import { isFinished, type Operation, type OperationError } from '../model/operation.ts';
import type { OperationRef } from '../ports/queue.ts';
import {
  LeaseLostError,
  type OperationDefinition,
  type StepContext,
  type StepOutcome,
  type WorkerDeps,
} from './step.ts';

export interface WorkerOptions {
  /** Identifies this worker in leases. */
  workerId: string;
  leaseMs?: number;
  /** Retries of one step after retryable errors before the operation fails. */
  maxRetries?: number;
  /** Steps run back to back in one tick before yielding to the queue. */
  maxStepsPerTick?: number;
}

/**
 * Runs operations one tick at a time: claim (lease), run steps until one must wait, persist after every
 * transition, re-enqueue with a delay. Any crash resumes from the last persisted step (I5).
 */
export class OperationWorker {
  readonly #deps: WorkerDeps;
  readonly #definitions = new Map<string, OperationDefinition>();
  readonly #id: string;
  readonly #leaseMs: number;
  readonly #maxRetries: number;
  readonly #maxSteps: number;

  constructor(deps: WorkerDeps, definitions: readonly OperationDefinition[], options: WorkerOptions) {
    this.#deps = deps;
    for (const definition of definitions)
      for (const kind of definition.kinds) this.#definitions.set(kind, definition);
    this.#id = options.workerId;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#maxRetries = options.maxRetries ?? 8;
    this.#maxSteps = options.maxStepsPerTick ?? 25;
  }

  /** Runs one tick of the operation. Safe to call for finished, missing or leased operations. */
  async run(ref: OperationRef): Promise<void> {
    const { operations, clock, log } = this.#deps;
    const stored = await operations.get(ref.tenant, ref.operationId);
    if (!stored || isFinished(stored)) return;
    const now = clock.now();
    if (stored.lease && stored.lease.owner !== this.#id && Date.parse(stored.lease.until) > now.getTime()) {
      log.debug('operation leased elsewhere', { operationId: stored.id, owner: stored.lease.owner });
      return;
    }
    const definition = this.#definitions.get(stored.kind);
    if (!definition) {
      await this.#finishFailed(stored, {
        code: 'operation.unknownKind',
        message: `no worker for ${stored.kind}`,
      });
      return;
    }
    const startedFrom = stored.status === 'pending' ? await this.#vmStatus(stored) : undefined;
    let op = await this.#save({
      ...stored,
      status: 'running',
      lease: this.#lease(),
      ...(startedFrom !== undefined ? { subjectStatusAtStart: startedFrom } : {}),
    });
    if (!op) return; // another worker claimed it between our read and write
    for (let i = 0; i < this.#maxSteps; i++) {
      const outcome = await this.#runStep(definition, op);
      if (!outcome) return; // another worker took over during the step
      const next = await this.#apply(definition, op, outcome);
      if (!next) return;
      op = next;
    }
    // Yield so one long operation cannot starve the queue.
    await this.#save({ ...op, lease: { owner: this.#id, until: clock.now().toISOString() } });
    await this.#deps.queue.enqueue(ref);
  }

  async #runStep(definition: OperationDefinition, op: Operation): Promise<StepOutcome | undefined> {
    const { clock } = this.#deps;
    if (clock.now().getTime() > Date.parse(op.deadline))
      return {
        type: 'fail',
        error: { code: 'operation.timedOut', message: `step ${op.step} passed the deadline` },
      };
    const handler = definition.steps[op.step];
    if (!handler)
      return { type: 'fail', error: { code: 'operation.unknownStep', message: `no step ${op.step}` } };
    this.#markStepRunning(op);
    try {
      return await handler(this.#context(op));
    } catch (error) {
      if (error instanceof LeaseLostError) return undefined;
      const described = describeError(error);
      if (awaitsItsRecord(op, error, clock.now()))
        return { type: 'wait', delayMs: 500, note: 'waiting for the resource record' };
      if (isRetryable(error) && op.attempts < this.#maxRetries) {
        op.attempts += 1;
        return {
          type: 'wait',
          delayMs: Math.min(1000 * 2 ** (op.attempts - 1), 30_000),
          note: `retrying after ${described.code}`,
        };
      }
      if (described.code === 'internal.unexpected')
        this.#deps.log.error('step threw', { operationId: op.id, step: op.step, error: String(error) });
      return { type: 'fail', error: described };
    }
  }

  /** Persists the outcome; returns the operation to continue with, or undefined when the tick ends. */
  async #apply(
    definition: OperationDefinition,
    op: Operation,
    outcome: StepOutcome,
  ): Promise<Operation | undefined> {
    const { clock, queue } = this.#deps;
    const at = clock.now().toISOString();
    const current = op.steps.at(-1);
    if (current && outcome.note) current.note = outcome.note;
    switch (outcome.type) {
      case 'next': {
        if (current) Object.assign(current, { status: 'succeeded', endedAt: at });
        return this.#save({ ...op, step: outcome.step, attempts: 0, lease: this.#lease() });
      }
      case 'wait': {
        const saved = await this.#save({ ...op, lease: { owner: this.#id, until: at } });
        if (saved) await queue.enqueue({ tenant: op.tenant, operationId: op.id }, outcome.delayMs);
        return undefined;
      }
      case 'done': {
        if (current) Object.assign(current, { status: 'succeeded', endedAt: at });
        const result = outcome.result ? { ...op.result, ...outcome.result } : op.result;
        const finished: Operation = {
          ...op,
          status: 'succeeded',
          ...(result ? { result } : {}),
          lease: undefined,
        };
        // The outbox: the events ride in the same conditional put as the transition they report.
        const outbox = finishingEvents(finished, 'succeeded', await this.#vmStatus(op), at);
        await this.#save({ ...finished, outbox });
        return undefined;
      }
      case 'fail': {
        if (current) Object.assign(current, { status: 'failed', endedAt: at });
        await this.#failWith(definition, op, outcome.error);
        return undefined;
      }
    }
  }

  async #failWith(definition: OperationDefinition, op: Operation, error: OperationError): Promise<void> {
    const ctx = this.#context(op);
    try {
      await definition.onFailed(ctx, error);
    } catch (cleanupError) {
      this.#deps.log.warn('onFailed hook failed', {
        operationId: op.id,
        error: describeError(cleanupError).code,
      });
    }
    await this.#finishFailed(op, error);
  }

  async #finishFailed(op: Operation, error: OperationError): Promise<void> {
    const failed: Operation = { ...op, status: 'failed', error, lease: undefined };
    const at = this.#deps.clock.now().toISOString();
    const outbox = finishingEvents(failed, 'failed', await this.#vmStatus(op), at);
    await this.#save({ ...failed, outbox });
    this.#deps.log.warn('operation failed', { operationId: op.id, kind: op.kind, code: error.code });
  }

  #context(op: Operation): StepContext {
    return {
      op,
      deps: this.#deps,
      checkpoint: async () => {
        const saved = await this.#save({ ...op, lease: this.#lease() });
        if (!saved) throw new LeaseLostError(op.id);
        // The draft goes on from what was stored (new version and lease).
        Object.assign(op, saved);
      },
    };
  }

  #markStepRunning(op: Operation): void {
    const current = op.steps.at(-1);
    if (current && current.name === op.step && current.status === 'running') {
      current.attempts += 1;
      return;
    }
    op.steps.push({
      name: op.step,
      status: 'running',
      startedAt: this.#deps.clock.now().toISOString(),
      attempts: 1,
    });
  }

  /** The status of the operation's VM, if it is about one and the record is there (for vm.statusChanged). */
  async #vmStatus(op: Operation): Promise<string | undefined> {
    if (op.resource.type !== 'vm') return undefined;
    try {
      return (await this.#deps.vms.get(op.tenant, op.resource.id))?.status;
    } catch {
      // The event is a courtesy of the transition, never a reason to hold it back.
      return undefined;
    }
  }

  #lease(): { owner: string; until: string } {
    return {
      owner: this.#id,
      until: new Date(this.#deps.clock.now().getTime() + this.#leaseMs).toISOString(),
    };
  }

  /** Conditional write; undefined when someone else wrote first (their tick wins, ours stops). */
  async #save(op: Operation): Promise<Operation | undefined> {
    try {
      return await this.#deps.operations.save({ ...op, updatedAt: this.#deps.clock.now().toISOString() });
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'operation.versionConflict')
        return undefined;
      throw error;
    }
  }
}

/** How long a create operation waits for its resource record before failing (see `awaitsItsRecord`). */
export const RECORD_GRACE_MS = 120_000;

/**
 * A create operation is written before its resource record; a crash in between leaves the operation
 * alone until the client re-sends its request, which writes the record under the ids bound to its
 * Idempotency-Key. Failing at once would fail the creation the re-send is about to complete.
 */
function awaitsItsRecord(op: Operation, error: unknown, now: Date): boolean {
  return (
    isBrokerError(error, 'missing') &&
    op.kind.endsWith('.create') &&
    op.steps.length === 1 &&
    now.getTime() - Date.parse(op.createdAt) < RECORD_GRACE_MS
  );
}
