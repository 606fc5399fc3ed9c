import type { Classification } from '../classification.ts';
import type { Site } from '../model/target.ts';

export const METERED_KINDS = ['vm', 'volume', 'bucket'] as const;
export type MeteredKind = (typeof METERED_KINDS)[number];

/**
 * What a resource costs from this record on, until its next record:
 * - `running`: a VM holding its size (active, paused, resizing): vCPU, RAM, instance and disk hours;
 *   a volume or bucket that exists.
 * - `stopped`: a VM that is stopped, or in error while it still has a server: its root disk only.
 * - `gone`: nothing any more (deleted, or a create that failed).
 */
export type MeteredState = 'running' | 'stopped' | 'gone';

/**
 * One cost-relevant state change of one resource, written with the change itself. Its id is derived from
 * the operation and the transition, so a retried step writes the same record again and the first write
 * (and its time) stands. Sizes are copied in: a later catalogue change does not rewrite history.
 */
export interface UsageRecord {
  id: string;
  tenant: string;
  kind: MeteredKind;
  resourceId: string;
  /** When the change was observed (ISO 8601, the broker's clock). */
  at: string;
  state: MeteredState;
  targetId: string;
  site: Site;
  classification: Classification;
  /** VMs: the logical size, with its vCPUs, RAM and root disk at the time. */
  size?: string;
  vcpus?: number;
  ramMiB?: number;
  /** VMs: the root disk; volumes: the volume's size. */
  diskGiB?: number;
  /** Buckets: the bytes the store reported. */
  bytes?: number;
  /** A size the reconciler sampled (not a state change): never outlives the resource's `gone`. */
  sampled?: true;
}

/** The id of the record one step of one operation writes for one transition. */
export function usageRecordId(operationId: string, transition: string): string {
  return `${operationId}.${transition}`;
}
