import { BrokerError, isBrokerError } from '../errors.ts';
import { type IdPrefix, newId } from '../ids.ts';
import { isFinished, type Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { IdempotencyScope, KeyBindings } from '../ports/idempotency.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository } from '../ports/repositories.ts';

export interface CreateIds {
  resourceId: string;
  operationId: string;
}

export interface Created<R> {
  resource: R;
  operation: Operation;
  /** The placement, for resources placed by policy (those created in place of another have none). */
  decision?: PlacementDecision;
}

export interface CreateOnceDeps {
  bindings: KeyBindings;
  operations: OperationRepository;
  queue: OperationQueue;
}

export interface CreateOnceSpec<R> {
  tenant: string;
  /** The request's Idempotency-Key, if it sent one. */
  idempotency?: IdempotencyScope;
  prefix: IdPrefix;
  /**
   * Validates the request and builds the records under these ids, writing nothing (a 4xx leaves no
   * trace). `recorded`: the placement an earlier attempt already wrote into the operation — keep it.
   */
  prepare(ids: CreateIds, recorded?: PlacementDecision): Promise<Created<R>>;
  /**
   * `prepare` has no effect outside this process (no payload stashed on a target): it may then run while
   * the Idempotency-Key's binding is looked up, and be thrown away when the key is already bound.
   */
  preparesPurely?: boolean;
  resources: { get(tenant: string, id: string): Promise<R | undefined>; create(resource: R): Promise<void> };
  /** The record to write when the create operation already ended without it (its request crashed). */
  failed(resource: R, operation: Operation): R;
  /**
   * Reserves quota for the prepared records just before the first write (core/quotas/admission.ts); may
   * move them to another permitted target whose site has room. Runs again on a resume: it must be
   * idempotent per resource id.
   */
  admit?(prepared: Created<R>): Promise<Created<R>>;
}

/**
 * Creates a resource through its create operation — at most once per Idempotency-Key, ever. The key is
 * bound to the new ids with a conditional write before anything else is written, so whatever moment a
 * crash hits, a re-sent request finds the ids and resumes: it writes what is missing (operation, then
 * resource), enqueues an unfinished operation again, and answers with the one resource. Conditional
 * writes only, no transactions.
 */
export async function createOnce<R>(deps: CreateOnceDeps, spec: CreateOnceSpec<R>): Promise<Created<R>> {
  const key = spec.idempotency;
  const fresh = (): CreateIds => ({ resourceId: newId(spec.prefix), operationId: newId('op') });
  if (!key) return write(deps, spec, await spec.prepare(fresh()));
  const ids = fresh();
  // A pure preparation runs alongside the key's lookup (one store round trip less on the request path);
  // when the key turns out bound, its result, or its refusal, is dropped unused.
  const early = spec.preparesPurely ? settle(spec.prepare(ids)) : undefined;
  let binding = await deps.bindings.get(spec.tenant, key.scope);
  if (!binding) {
    const prepared = early ? unsettle(await early) : await spec.prepare(ids);
    if (await deps.bindings.bind(spec.tenant, key.scope, { ...ids, fingerprint: key.fingerprint }))
      return write(deps, spec, prepared);
    // A concurrent request with the same key bound it first: answer with its resource.
    binding = await deps.bindings.get(spec.tenant, key.scope);
    if (!binding) throw new BrokerError('idempotency.inProgress', 'the Idempotency-Key is being bound');
  }
  if (binding.fingerprint !== key.fingerprint)
    throw new BrokerError('idempotency.keyReused', 'this Idempotency-Key was used with a different request');
  return resume(deps, spec, binding);
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function unsettle<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}

async function write<R>(deps: CreateOnceDeps, spec: CreateOnceSpec<R>, unadmitted: Created<R>) {
  const prepared = spec.admit ? await spec.admit(unadmitted) : unadmitted;
  // The operation is written first: a crash before the resource record leaves an operation (which a
  // re-sent request completes, or the worker fails), never a resource nothing will ever build (I5).
  try {
    await deps.operations.create(prepared.operation);
  } catch (error) {
    // Only ids bound to a key can collide: a concurrent re-send of the same request wrote it first.
    if (!isBrokerError(error, 'alreadyExists')) throw error;
    return resume(deps, spec, idsOf(prepared.operation));
  }
  const resource = await createOrLoad(spec, prepared.resource, prepared.operation);
  await deps.queue.enqueue({ tenant: spec.tenant, operationId: prepared.operation.id });
  return { ...prepared, resource };
}

/** Answers with what the key's earlier attempt wrote, first writing whatever a crash left unwritten. */
async function resume<R>(deps: CreateOnceDeps, spec: CreateOnceSpec<R>, ids: CreateIds): Promise<Created<R>> {
  const operation = await deps.operations.get(spec.tenant, ids.operationId);
  if (!operation) return write(deps, spec, await spec.prepare(ids));
  let resource = await spec.resources.get(spec.tenant, ids.resourceId);
  if (!resource) {
    const again = await spec.prepare(ids, operation.placement);
    resource = await createOrLoad(
      spec,
      isFinished(operation) ? spec.failed(again.resource, operation) : again.resource,
      operation,
    );
  }
  if (!isFinished(operation)) await deps.queue.enqueue({ tenant: spec.tenant, operationId: operation.id });
  return { resource, operation, ...(operation.placement ? { decision: operation.placement } : {}) };
}

async function createOrLoad<R>(spec: CreateOnceSpec<R>, resource: R, operation: Operation): Promise<R> {
  try {
    await spec.resources.create(resource);
    return resource;
  } catch (error) {
    if (!isBrokerError(error, 'alreadyExists')) throw error;
    const stored = await spec.resources.get(spec.tenant, operation.resource.id);
    if (!stored) throw error;
    return stored;
  }
}

function idsOf(operation: Operation): CreateIds {
  return { resourceId: operation.resource.id, operationId: operation.id };
}

/** For resources placed by policy: their create operation always records the decision. */
export function placed<R>(created: Created<R>): Created<R> & { decision: PlacementDecision } {
  if (!created.decision)
    throw new BrokerError('operation.unplaced', `operation ${created.operation.id} records no placement`);
  return created as Created<R> & { decision: PlacementDecision };
}
