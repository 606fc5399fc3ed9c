import type { Operation, OperationError } from '../model/operation.ts';
import type { BackupRunPorts } from '../ports/backup-policies.ts';
import type { BucketRepository } from '../ports/bucket-repository.ts';
import type { Clock } from '../ports/clock.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { ImageRepository } from '../ports/image-repository.ts';
import type { LinkRepository } from '../ports/link-repository.ts';
import type { Logger } from '../ports/logger.ts';
import type { NetworkRepository } from '../ports/network-repository.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { QuotaLedger } from '../ports/quota-ledger.ts';
import type { OperationRepository, VmRepository } from '../ports/repositories.ts';
import type { TargetHealthTracker } from '../ports/target-health.ts';
import type { SnapshotRepository, VolumeRepository } from '../ports/volume-repositories.ts';
import type { UsageMeter } from '../usage/usage-meter.ts';

/** What a step tells the worker to do next. */
export type StepOutcome =
  | { type: 'next'; step: string; note?: string }
  | { type: 'wait'; delayMs: number; note?: string }
  | { type: 'done'; result?: Record<string, string>; note?: string }
  | { type: 'fail'; error: OperationError; note?: string };

export interface WorkerDeps {
  vms: VmRepository;
  buckets: BucketRepository;
  networks: NetworkRepository;
  links: LinkRepository;
  images: ImageRepository;
  volumes: VolumeRepository;
  snapshots: SnapshotRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  providers: ProviderRegistry;
  health: TargetHealthTracker;
  clock: Clock;
  log: Logger;
  /** Writes a usage record with each cost-relevant state change (docs/usage.md). */
  usage?: UsageMeter;
  /** Quotas (docs/quotas.md): creates confirm or release their reservation, deletes release it. */
  quotas?: QuotaLedger;
  /** Scheduled backups (backup-run.ts): none, and a `backup.run` operation fails. */
  backups?: BackupRunPorts;
  /** This deployment's id, tagged on the servers and volumes it creates (`DEPLOYMENT_TAG`). */
  deploymentId?: string;
}

/**
 * A step sees the operation as a draft it may change (tried targets, result); the worker persists the
 * draft with the outcome. Steps must be safe to run again after a crash: look up before creating.
 */
export interface StepContext {
  op: Operation;
  deps: WorkerDeps;
  /**
   * Persists the draft now, before a call whose effect must be remembered even if the process dies right
   * after it (a create going out). Throws `LeaseLostError` when another worker took the operation over:
   * the step must then stop without calling the cloud.
   */
  checkpoint(): Promise<void>;
}

/** The operation was taken over by another worker while a step ran; this worker stops quietly. */
export class LeaseLostError extends Error {
  constructor(operationId: string) {
    super(`operation ${operationId} was taken over by another worker`);
    this.name = 'LeaseLostError';
  }
}

export type StepHandler = (ctx: StepContext) => Promise<StepOutcome>;

export interface OperationDefinition {
  /** Operation kinds this definition runs (`vm.create`, `vm.stop`, …). */
  kinds: readonly string[];
  steps: Record<string, StepHandler>;
  /** Called once when the operation fails for any reason (step failure, exception, deadline). */
  onFailed(ctx: StepContext, error: OperationError): Promise<void>;
}

/** Poll delays for steps waiting on a cloud: quick at first, then every few seconds. */
export function pollDelay(attempt: number): number {
  return Math.min(250 * 2 ** Math.max(0, attempt - 1), 5_000);
}
