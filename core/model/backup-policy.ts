/**
 * A tenant's scheduled backups: at each slot of `schedule` (a five-field cron expression, UTC) the
 * scheduler snapshots the selected volumes (on their own target: a snapshot never leaves it) and prunes
 * the policy's older snapshots by `retention`. Each run is an operation (`backup.run`).
 */
export interface BackupPolicy {
  id: string;
  tenant: string;
  name: string;
  schedule: string;
  /** Exactly one of the two. */
  retention: { count?: number; maxAgeDays?: number };
  /** Exactly one of the two: volumes carrying all these tags, or these volume ids. */
  selector: { tags?: Record<string, string>; ids?: string[] };
  /** The last due slot a scheduler claimed (ISO time): each slot runs once, whichever scheduler sees it. */
  lastSlot?: string;
  /** The operation of the last claimed run. */
  lastOperationId?: string;
  createdAt: string;
  updatedAt: string;
  /** Optimistic concurrency: every write names the version it read. */
  version: number;
}

export type BackupPolicyView = Omit<BackupPolicy, 'tenant' | 'version'>;

export function toBackupPolicyView(policy: BackupPolicy): BackupPolicyView {
  const { tenant: _t, version: _v, ...view } = policy;
  return view;
}

/** Whether a volume is selected by the policy. */
export function selects(
  selector: BackupPolicy['selector'],
  volume: { id: string; tags: Record<string, string> },
): boolean {
  if (selector.ids) return selector.ids.includes(volume.id);
  const wanted = Object.entries(selector.tags ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => volume.tags[k] === v);
}
