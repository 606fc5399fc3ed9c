import type { Operation } from '../model/operation.ts';
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
  const resource = await steps.claim();
  try {
    await steps.operations.create(steps.operation);
  } catch (error) {
    await steps.release().catch(() => undefined);
    throw error;
  }
  await steps.queue.enqueue({ tenant: steps.operation.tenant, operationId: steps.operation.id });
  return { resource, operation: steps.operation };
}
