import { BrokerError, isBrokerError } from '../errors.ts';
import { newId } from '../ids.ts';
import { isFinished, type Operation } from '../model/operation.ts';
import type { IdempotencyScope, KeyBindings } from '../ports/idempotency.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository } from '../ports/repositories.ts';

export interface ClaimedOperationSteps<R> {
  operations: OperationRepository;
  queue: OperationQueue;
  operation: Operation;
  /** Marks the resource as held by the operation; fails (`*.busy`) if another holds it. */
  claim(): Promise<R>;
  /** Undoes the claim if the operation could not be written. */
  release(): Promise<unknown>;
  /** A fresh Idempotency-Key: bound to the operation's id before the claim (see {@link resumeKeyed}). */
  bind?: { bindings: KeyBindings; resourceId: string; idempotency: IdempotencyScope };
}

/**
 * Starts an operation on an existing resource. Claiming the resource is the commit point: while another
 * operation holds it this one is refused (409), and nothing is written. If the operation record cannot be
 * written the claim is given back; if even that fails, the reconciler releases claims on missing
 * operations (I5).
 */
export async function startClaimedOperation<R>(
  steps: ClaimedOperationSteps<R>,
): Promise<{ resource: R; operation: Operation }> {
  const { bind, operation } = steps;
  if (bind) {
    const bound = await bind.bindings.bind(operation.tenant, bind.idempotency.scope, {
      resourceId: bind.resourceId,
      operationId: operation.id,
      fingerprint: bind.idempotency.fingerprint,
    });
    if (!bound)
      throw new BrokerError('idempotency.inProgress', 'a request with this Idempotency-Key is in progress', {
        retryAfterSeconds: 1,
      });
  }
  const resource = await steps.claim();
  try {
    await steps.operations.create(operation);
  } catch (error) {
    await steps.release().catch(() => undefined);
    throw error;
  }
  await steps.queue.enqueue({ tenant: operation.tenant, operationId: operation.id });
  return { resource, operation };
}

export interface KeyedDeps {
  bindings: KeyBindings;
  operations: OperationRepository;
  queue: OperationQueue;
}

/** What {@link resumeKeyed} found: the started operation, or the id a fresh start must use (and whether to bind it). */
export type Resumed<R> =
  | { kind: 'started'; resource: R; operation: Operation }
  | { kind: 'start'; operationId: string; bind: boolean };

/**
 * An action on an existing resource (delete, attach, stop …), at most once per Idempotency-Key: asked
 * before the request is checked against the resource's state, because a re-send after a crash finds the
 * resource in the state its first attempt left. The key's binding names the operation: written → answer
 * with it (enqueued again while unfinished); claimed but never written (the crash hit in between) →
 * written now under the bound id; bound but not claimed → start under the bound id. A fresh key (or none)
 * starts under a new id, binding it first. Conditional writes only.
 */
export async function resumeKeyed<R extends { activeOperationId?: string }>(
  deps: KeyedDeps,
  spec: {
    tenant: string;
    resourceId: string;
    idempotency?: IdempotencyScope;
    current(): Promise<R>;
    /** The operation this request starts, under `operationId` (for a claim whose operation was lost). */
    build(operationId: string, resource: R): Operation;
  },
): Promise<Resumed<R>> {
  const key = spec.idempotency;
  if (!key) return { kind: 'start', operationId: newId('op'), bind: false };
  const binding = await deps.bindings.get(spec.tenant, key.scope);
  if (!binding) return { kind: 'start', operationId: newId('op'), bind: true };
  if (binding.fingerprint !== key.fingerprint || binding.resourceId !== spec.resourceId)
    throw new BrokerError('idempotency.keyReused', 'this Idempotency-Key was used with a different request');
  const written = await deps.operations.get(spec.tenant, binding.operationId);
  const resource = await spec.current();
  if (!written && resource.activeOperationId !== binding.operationId)
    return { kind: 'start', operationId: binding.operationId, bind: false };
  const operation = written ?? (await writeLost(deps, spec.build(binding.operationId, resource)));
  if (!isFinished(operation)) await deps.queue.enqueue({ tenant: spec.tenant, operationId: operation.id });
  return { kind: 'started', resource, operation };
}

async function writeLost(deps: KeyedDeps, operation: Operation): Promise<Operation> {
  try {
    await deps.operations.create(operation);
    return operation;
  } catch (error) {
    if (!isBrokerError(error, 'alreadyExists')) throw error;
    return (await deps.operations.get(operation.tenant, operation.id)) ?? operation;
  }
}
