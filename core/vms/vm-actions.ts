import type { VmActionType, VmStatus } from '../model/vm.ts';
import type { Capability } from '../ports/cloud/provider.ts';

/** What each action needs and does: allowed source statuses, the task shown meanwhile, and how it runs. */
export interface VmActionRule {
  from: readonly VmStatus[];
  /** Shown as `vm.task` while the operation runs. */
  task: string;
  /** Runs synchronously (200 with the result) instead of as an operation (202). */
  synchronous: boolean;
  /** The status shown while running, when it differs from the current one. */
  transitional?: VmStatus;
  capability?: Capability;
}

export const VM_ACTION_RULES: Record<VmActionType, VmActionRule> = {
  start: { from: ['stopped'], task: 'starting', synchronous: false },
  stop: { from: ['active'], task: 'stopping', synchronous: false },
  reboot: { from: ['active'], task: 'rebooting', synchronous: false },
  pause: { from: ['active'], task: 'pausing', synchronous: false, capability: 'pause' },
  unpause: { from: ['paused'], task: 'unpausing', synchronous: false, capability: 'pause' },
  resize: { from: ['active', 'stopped'], task: 'resizing', synchronous: false, transitional: 'resizing' },
  snapshot: { from: ['active', 'stopped', 'paused'], task: 'snapshotting', synchronous: false },
  console: { from: ['active'], task: 'console', synchronous: true },
  migrate: { from: ['active'], task: 'migrating', synchronous: false, capability: 'liveMigrate' },
};

/** Statuses from which a VM may be deleted (anything not already on its way out). */
export const DELETABLE_FROM: readonly VmStatus[] = [
  'pending',
  'building',
  'active',
  'stopped',
  'paused',
  'resizing',
  'error',
];
