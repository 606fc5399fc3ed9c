import { allowsFallback, BrokerError, describeError, isBrokerError } from '../errors.ts';
import { remainingPermitted } from '../model/placement.ts';
import type { StepContext } from './step.ts';

/** How a create on one target went: the resource (adopted or new), or a reason to try the next target. */
export type CreateAttempt<R> =
  | { type: 'found'; resource: R }
  | { type: 'created'; resource: R }
  | { type: 'leave'; reason: string };

export interface CreateOnTarget<R> {
  targetId: string;
  /** Finds the resource this operation made earlier on the target (by the broker id), if any. */
  lookup(): Promise<R | undefined>;
  create(): Promise<R>;
}

/**
 * Refusals after which the cloud has certainly created nothing: it looked at the request and said no.
 * `unavailable` is not among them — a 503 may come from a proxy after the backend created the resource.
 */
const DEFINITE_REFUSALS = new Set(['capacity', 'quotaExceeded', 'noValidHost', 'unsupported']);

/** Failures that say the target cannot be used now (rather than a fault of the request). */
const TARGET_FAILURES = new Set(['unavailable', 'timeout', 'lostResponse', 'unauthorized']);

/**
 * Lookup-then-create on one target, deciding when the operation may leave it for the next permitted
 * target (I1, I4):
 * - a target known to be unavailable (shared health) is skipped while another permitted one is untried;
 * - a failed lookup leaves the target only if no create may be pending there (`op.createSentTo`);
 * - a create is recorded in `op.createSentTo` and persisted *before* it is sent;
 * - after a definite refusal the target is left; after an ambiguous failure (timeout, lost response, an
 *   error answer that may follow a create) the target is looked up again: the resource is adopted if
 *   there, and the operation leaves only when the lookup shows it absent and the cloud refused;
 *   otherwise the error is thrown and the worker retries the lookup-then-create on the same target.
 * Every lookup and create feeds the shared circuit breaker: a lost or error answer to a create that a
 * lookup then explains is not held against the target, a target that stops answering is.
 */
export async function lookupThenCreate<R>(
  ctx: StepContext,
  spec: CreateOnTarget<R>,
): Promise<CreateAttempt<R>> {
  const { op, deps } = ctx;
  const target = spec.targetId;
  await deps.health.refresh();
  const knownDown = deps.health.unavailable(target);
  if (knownDown && !mayHold(ctx, target) && hasOtherUntried(ctx, target))
    return { type: 'leave', reason: `skipped, ${knownDown}` };
  let found: R | undefined;
  try {
    found = await spec.lookup();
  } catch (error) {
    await noteFailure(ctx, target, error);
    if (!mayHold(ctx, target) && leavesTarget(error)) return { type: 'leave', reason: reasonOf(error) };
    throw error;
  }
  // The target answered: whatever failed before, it is reachable.
  await deps.health.recordSuccess(target);
  if (found !== undefined) return { type: 'found', resource: found };
  // Nothing there: whatever was sent before did not create it.
  op.createSentTo = [...(op.createSentTo ?? []).filter((t) => t !== target), target];
  await ctx.checkpoint();
  try {
    const created = await spec.create();
    await deps.health.recordSuccess(target);
    return { type: 'created', resource: created };
  } catch (error) {
    await noteFailure(ctx, target, error);
    if (isBrokerError(error) && DEFINITE_REFUSALS.has(error.kind)) {
      forget(ctx, target);
      return { type: 'leave', reason: reasonOf(error) };
    }
    // Ambiguous: the create may have reached the cloud. Look before deciding anything.
    let again: R | undefined;
    try {
      again = await spec.lookup();
    } catch {
      throw error;
    }
    // Answering the lookup, the target showed it is up: the failure was this one call's.
    await deps.health.recordSuccess(target);
    if (again !== undefined) return { type: 'found', resource: again };
    forget(ctx, target);
    if (allowsFallback(error)) return { type: 'leave', reason: reasonOf(error) };
    throw error;
  }
}

function mayHold(ctx: StepContext, target: string): boolean {
  return ctx.op.createSentTo?.includes(target) ?? false;
}

function forget(ctx: StepContext, target: string): void {
  ctx.op.createSentTo = (ctx.op.createSentTo ?? []).filter((t) => t !== target);
}

function hasOtherUntried(ctx: StepContext, target: string): boolean {
  const { placement, triedTargets } = ctx.op;
  return placement !== undefined && remainingPermitted(placement, [...triedTargets, target]).length > 0;
}

function leavesTarget(error: unknown): boolean {
  return allowsFallback(error) || (isBrokerError(error) && TARGET_FAILURES.has(error.kind));
}

async function noteFailure(ctx: StepContext, target: string, error: unknown): Promise<void> {
  const isTargetFailure =
    !(error instanceof BrokerError) || TARGET_FAILURES.has(error.kind) || error.kind === 'noValidHost';
  if (isTargetFailure) await ctx.deps.health.recordFailure(target, describeError(error).code);
}

function reasonOf(error: unknown): string {
  const { code, message } = describeError(error);
  return `${code}: ${message}`;
}
