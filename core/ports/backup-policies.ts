import type { BackupPolicy } from '../model/backup-policy.ts';
import type { Page, PageRequest } from './repositories.ts';

/** Backup policies under their tenant; every change is conditional on the version it read. */
export interface BackupPolicyRepository {
  /** Fails with `backupPolicy.alreadyExists` when the id is taken. */
  create(policy: BackupPolicy): Promise<void>;
  get(tenant: string, id: string): Promise<BackupPolicy | undefined>;
  listForTenant(tenant: string, page: PageRequest): Promise<Page<BackupPolicy>>;
  /** Every tenant's policies, for the scheduler. */
  listAll(): AsyncIterable<BackupPolicy>;
  /** Writes `policy` (version + 1) if the stored version is still `policy.version`; false when it changed. */
  save(policy: BackupPolicy): Promise<boolean>;
  delete(tenant: string, id: string): Promise<BackupPolicy | undefined>;
}

/**
 * Cron expressions (five fields, UTC), evaluated by a library outside the core. Asynchronous so that the
 * library can be loaded when a schedule is first looked at, not at every cold start.
 */
export interface CronSchedule {
  /** Why the expression is not a valid schedule, or undefined when it is. */
  problem(expression: string): Promise<string | undefined>;
  /** The latest slot of the schedule at or before `now`, if any. */
  latestSlot(expression: string, now: Date): Promise<Date | undefined>;
}

/** What a backup run needs besides the repositories: snapshots started and deleted as any request would. */
export interface BackupRunPorts {
  policies: BackupPolicyRepository;
  /** Starts a snapshot of the volume for the run; the same key never starts a second one (I4). */
  snapshot(tenant: string, volumeId: string, name: string, policyId: string, key: string): Promise<string>;
  /** Starts deleting a snapshot (one already deleting is left as it is). */
  deleteSnapshot(tenant: string, snapshotId: string): Promise<void>;
}
