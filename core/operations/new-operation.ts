import { newId } from '../ids.ts';
import type { Operation, ResourceLink } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';

export interface NewOperationInput {
  /** Set when the id was bound to an Idempotency-Key before the operation was built. */
  id?: string;
  kind: string;
  tenant: string;
  resource: ResourceLink;
  firstStep: string;
  requestedBy: string;
  requestId: string;
  now: Date;
  deadlineMs: number;
  input?: Record<string, string>;
  placement?: PlacementDecision;
}

export function newOperation(spec: NewOperationInput): Operation {
  const at = spec.now.toISOString();
  return {
    id: spec.id ?? newId('op'),
    tenant: spec.tenant,
    kind: spec.kind,
    resource: spec.resource,
    status: 'pending',
    step: spec.firstStep,
    steps: [],
    input: spec.input ?? {},
    ...(spec.placement === undefined ? {} : { placement: spec.placement }),
    triedTargets: [],
    attempts: 0,
    requestedBy: spec.requestedBy,
    requestId: spec.requestId,
    deadline: new Date(spec.now.getTime() + spec.deadlineMs).toISOString(),
    createdAt: at,
    updatedAt: at,
    version: 0,
  };
}

/** Who asked, for operations started by an API request. */
export interface OperationRequester {
  principal: { sub: string; tenant: string };
  requestId: string;
}

/** An operation started by an API request: the requester's tenant, subject and request id filled in. */
export function operationFor(
  requester: OperationRequester,
  now: Date,
  spec: Pick<NewOperationInput, 'id' | 'kind' | 'resource' | 'firstStep' | 'input' | 'placement'> & {
    deadlineMs?: number;
  },
): Operation {
  return newOperation({
    ...spec,
    tenant: requester.principal.tenant,
    requestedBy: requester.principal.sub,
    requestId: requester.requestId,
    now,
    deadlineMs: spec.deadlineMs ?? 15 * 60_000,
  });
}
