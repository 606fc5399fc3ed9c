import type { BrokerEvent } from '../ports/events.ts';
import type { PlacementDecision } from './placement.ts';

export const OPERATION_STATUSES = ['pending', 'running', 'succeeded', 'failed'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface StepRecord {
  name: string;
  status: StepStatus;
  startedAt: string;
  endedAt?: string;
  attempts: number;
  /** A short PHI-free note: which target, which cloud id, why a fallback happened. */
  note?: string;
}

export interface OperationError {
  code: string;
  message: string;
}

export interface ResourceLink {
  type: 'vm' | 'volume' | 'bucket' | 'link' | 'image' | 'backupPolicy' | 'network';
  id: string;
}

/**
 * A durable unit of asynchronous work. The worker advances it one step per tick and persists it after
 * every transition, so a crash at any point resumes from the last recorded step (I5).
 */
export interface Operation {
  id: string;
  tenant: string;
  /** `vm.create`, `vm.stop`, `vm.delete`, … */
  kind: string;
  resource: ResourceLink;
  status: OperationStatus;
  /** The step the worker runs next (or ran last, once finished). */
  step: string;
  steps: StepRecord[];
  /** Action parameters (target size, snapshot name, …). Never PHI. */
  input: Record<string, string>;
  result?: Record<string, string>;
  error?: OperationError;
  placement?: PlacementDecision;
  /** Targets already tried for this operation (placement fallback never revisits one). */
  triedTargets: string[];
  /** Why each tried target was left (PHI-free: error codes, health), named in `placement.exhausted`. */
  targetFailures?: Record<string, string>;
  /**
   * Targets a create was sent to and that may hold the resource: recorded (and persisted) before the
   * request goes out, dropped again only when the cloud refused definitively or a lookup there found
   * nothing. The worker never falls back from such a target — a second resource elsewhere could
   * duplicate the first (I4) — it retries the lookup-then-create there.
   */
  createSentTo?: string[];
  /** Consecutive failed attempts of the current step. */
  attempts: number;
  /** Who asked (the JWT subject). */
  requestedBy: string;
  requestId: string;
  deadline: string;
  createdAt: string;
  updatedAt: string;
  /** Held by the worker running a step, so a duplicate delivery never runs the same step twice at once. */
  lease?: { owner: string; until: string };
  /** Optimistic-concurrency counter: every write must name the version it read. */
  version: number;
  /** The status of the operation's VM when the worker first took it up (to tell a status change). */
  subjectStatusAtStart?: string;
  /**
   * Events of the finishing transition, written in the same put as the transition itself (the outbox);
   * the relay copies them to the tenant's event log and clears them.
   */
  outbox?: BrokerEvent[];
}

export interface OperationView {
  id: string;
  kind: string;
  resource: ResourceLink;
  status: OperationStatus;
  steps: StepRecord[];
  result?: Record<string, string>;
  error?: OperationError;
  placement?: PlacementDecision;
  createdAt: string;
  updatedAt: string;
}

export function toOperationView(op: Operation): OperationView {
  const view: OperationView = {
    id: op.id,
    kind: op.kind,
    resource: op.resource,
    status: op.status,
    steps: op.steps,
    createdAt: op.createdAt,
    updatedAt: op.updatedAt,
  };
  if (op.result !== undefined) view.result = op.result;
  if (op.error !== undefined) view.error = op.error;
  if (op.placement !== undefined) view.placement = op.placement;
  return view;
}

export function isFinished(op: Operation): boolean {
  return op.status === 'succeeded' || op.status === 'failed';
}
