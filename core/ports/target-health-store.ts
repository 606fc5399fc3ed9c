import type { HealthCheckStatus } from './target-health.ts';

/** What the deployment knows about one target's health; shared by every process through the store. */
export interface TargetHealthRecord {
  targetId: string;
  /** Consecutive failed calls since the last success (within the failure window). */
  failures: number;
  /** Epoch ms of the last failure. */
  lastFailureAt?: number;
  /** PHI-free code of the last failure (`sandbox.unavailable`, `openstack.timeout`, …). */
  lastError?: string;
  /** Epoch ms the circuit opened; absent while closed. */
  openedAt?: number;
  /** The target's last health check. */
  check?: { status: HealthCheckStatus; detail?: string; at: number };
  /** Epoch ms after which nothing in the record matters any more (the store may drop it). */
  expiresAt: number;
  /** Optimistic-concurrency counter; 0 for a record not yet stored. */
  version: number;
}

/** Single-item conditional writes only (no transactions), so it runs on dynalite and DynamoDB alike. */
export interface TargetHealthStore {
  list(): Promise<TargetHealthRecord[]>;
  get(targetId: string): Promise<TargetHealthRecord | undefined>;
  /** Writes `record` with version + 1 if the stored version is still `record.version`; false otherwise. */
  put(record: TargetHealthRecord): Promise<boolean>;
}

/** The store of a single process (unit tests, tools). */
export class InMemoryTargetHealthStore implements TargetHealthStore {
  readonly #records = new Map<string, TargetHealthRecord>();

  async list(): Promise<TargetHealthRecord[]> {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }

  async get(targetId: string): Promise<TargetHealthRecord | undefined> {
    const found = this.#records.get(targetId);
    return found && structuredClone(found);
  }

  async put(record: TargetHealthRecord): Promise<boolean> {
    if ((this.#records.get(record.targetId)?.version ?? 0) !== record.version) return false;
    this.#records.set(record.targetId, { ...structuredClone(record), version: record.version + 1 });
    return true;
  }
}
