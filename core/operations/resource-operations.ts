import type { Operation, ResourceLink } from '../model/operation.ts';
import type { IdempotencyScope, KeyBindings } from '../ports/idempotency.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository } from '../ports/repositories.ts';
import { type Resumed, resumeKeyed, startClaimedOperation } from './claimed-operation.ts';
import { type OperationRequester, operationFor } from './new-operation.ts';

/** The operation a request on an existing resource starts. */
export interface OperationSpec {
  kind: string;
  firstStep: string;
  input: Record<string, string>;
}

/** What a resource needs for an operation to claim it (VMs and volumes). */
export interface ClaimableResource {
  id: string;
  tenant: string;
  status: string;
  task?: string;
  operationId: string;
  activeOperationId?: string;
}

/** The patch a claim and its release write. */
export interface ClaimPatch<S extends string> {
  status?: S;
  task?: string | null;
  operationId?: string;
  activeOperationId?: string | null;
}

export interface ClaimableStore<R extends ClaimableResource> {
  get(tenant: string, id: string): Promise<R | undefined>;
  update(
    tenant: string,
    id: string,
    patch: ClaimPatch<R['status']>,
    options?: { expectActiveOperation?: string | null },
  ): Promise<R>;
}

/** A request acting on a resource: who asks, and its Idempotency-Key if any. */
export interface ActingRequest extends OperationRequester {
  idempotency?: IdempotencyScope;
}

export interface ResourceOperationsDeps<R extends ClaimableResource> {
  type: ResourceLink['type'];
  resources: ClaimableStore<R>;
  operations: OperationRepository;
  queue: OperationQueue;
  bindings: KeyBindings;
  clock: { now(): Date };
}

/**
 * Starting an operation on an existing resource, the same for every kind that has them: first what this
 * request's Idempotency-Key already started (asked before the resource's state is checked), then the claim
 * that commits the start (claimed-operation.ts).
 */
export class ResourceOperations<R extends ClaimableResource> {
  readonly #d: ResourceOperationsDeps<R>;

  constructor(deps: ResourceOperationsDeps<R>) {
    this.#d = deps;
  }

  /** What this request's Idempotency-Key already started on the resource, before its state is checked. */
  resumeKeyed(ctx: ActingRequest, resource: R, spec: (found: R) => OperationSpec): Promise<Resumed<R>> {
    const { operations, queue, bindings, resources, clock, type } = this.#d;
    return resumeKeyed<R>(
      { operations, queue, bindings },
      {
        tenant: resource.tenant,
        resourceId: resource.id,
        ...(ctx.idempotency ? { idempotency: ctx.idempotency } : {}),
        current: async () => (await resources.get(resource.tenant, resource.id)) ?? resource,
        build: (id, found) =>
          operationFor(ctx, clock.now(), { id, resource: { type, id: resource.id }, ...spec(found) }),
      },
    );
  }

  /** Claims the resource for a new operation, showing `shown` meanwhile; refused (`*.busy`) if held. */
  start(
    ctx: ActingRequest,
    resource: R,
    keyed: { operationId: string; bind: boolean },
    spec: OperationSpec,
    shown: { status?: R['status']; task: string },
  ): Promise<{ resource: R; operation: Operation }> {
    const { operations, queue, bindings, resources, clock, type } = this.#d;
    const operation = operationFor(ctx, clock.now(), {
      id: keyed.operationId,
      resource: { type, id: resource.id },
      ...spec,
    });
    return startClaimedOperation({
      operations,
      queue,
      operation,
      ...(keyed.bind && ctx.idempotency
        ? { bind: { bindings, resourceId: resource.id, idempotency: ctx.idempotency } }
        : {}),
      claim: () =>
        resources.update(
          resource.tenant,
          resource.id,
          { ...shown, operationId: operation.id, activeOperationId: operation.id },
          { expectActiveOperation: null },
        ),
      release: () =>
        resources.update(
          resource.tenant,
          resource.id,
          {
            status: resource.status,
            task: resource.task ?? null,
            operationId: resource.operationId,
            activeOperationId: null,
          },
          { expectActiveOperation: operation.id },
        ),
    });
  }
}

/** A resource without a task field (buckets, images, snapshots): status and the claim only. */
export interface SimplyClaimable {
  id: string;
  tenant: string;
  status: string;
  operationId: string;
}

export interface SimpleClaimStore<R extends SimplyClaimable> {
  update(
    tenant: string,
    id: string,
    patch: { status?: R['status']; operationId?: string; activeOperationId?: string | null },
    options?: { expectActiveOperation?: string | null },
  ): Promise<R>;
}

/** Claims `resource` for `operation`, showing `status` meanwhile, and starts it (claimed-operation.ts). */
export function startOnClaimed<R extends SimplyClaimable>(
  deps: { operations: OperationRepository; queue: OperationQueue },
  store: SimpleClaimStore<R>,
  resource: R,
  operation: Operation,
  status: R['status'],
): Promise<{ resource: R; operation: Operation }> {
  const { tenant, id } = resource;
  return startClaimedOperation({
    operations: deps.operations,
    queue: deps.queue,
    operation,
    claim: () =>
      store.update(
        tenant,
        id,
        { status, operationId: operation.id, activeOperationId: operation.id },
        { expectActiveOperation: null },
      ),
    release: () =>
      store.update(
        tenant,
        id,
        { status: resource.status, operationId: resource.operationId, activeOperationId: null },
        { expectActiveOperation: operation.id },
      ),
  });
}
