import type { Target } from '../../model/target.ts';
import type { BlockStorageService } from './block-storage.ts';
import type { ComputeService } from './compute.ts';
import type { ImageService } from './images.ts';
import type { CloudLimits } from './limits.ts';
import type { NetworkService } from './network.ts';
import type { ObjectStorageService, PayloadStore } from './object-storage.ts';

/**
 * What a cloud can do beyond the common interface; the broker answers a clear 422 instead of calling a
 * method the cloud lacks (e.g. EC2 has no pause).
 */
export type Capability =
  | 'pause'
  | 'consoleUrl'
  | 'consoleOutput'
  | 'liveMigrate'
  | 'resizeConfirm'
  | 'imageCopy';

export interface TargetHealth {
  status: 'healthy' | 'degraded' | 'down';
  checkedAt: string;
  /** PHI-free detail (which service failed). */
  detail?: string;
}

/** One target's cloud, behind one interface: sandbox, OpenStack and AWS all implement it. */
export interface CloudProvider {
  readonly target: Target;
  readonly capabilities: ReadonlySet<Capability>;
  readonly compute: ComputeService;
  readonly blockStorage: BlockStorageService;
  readonly objectStorage: ObjectStorageService;
  readonly network: NetworkService;
  readonly images: ImageService;
  /** Present on targets that can hold payloads the control plane must not keep (on-prem). */
  readonly payloads?: PayloadStore;
  health(): Promise<TargetHealth>;
  /** The cloud's own limits on the broker's project / account, where it can tell (GET /v1/targets/{id}). */
  limits?(): Promise<CloudLimits>;
  /** Releases sockets and timers (tests, shutdown). */
  close?(): Promise<void>;
}

/** Builds the provider for a target; one factory per cloud kind, chosen by `target.cloud`. */
export type ProviderFactory = (target: Target) => CloudProvider | Promise<CloudProvider>;

/** The providers of every catalogue target, by target id. */
export interface ProviderRegistry {
  get(targetId: string): CloudProvider;
  all(): CloudProvider[];
}
