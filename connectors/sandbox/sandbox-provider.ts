import { join } from 'node:path';
import type { LogicalSize, Target } from '../../core/model/target.ts';
import type { CloudLimits } from '../../core/ports/cloud/limits.ts';
import type {
  Capability,
  CloudProvider,
  ProviderFactory,
  TargetHealth,
} from '../../core/ports/cloud/provider.ts';
import { SandboxBlockStorage } from './sandbox-block-storage.ts';
import { SandboxCompute } from './sandbox-compute.ts';
import { SandboxFaults } from './sandbox-faults.ts';
import { SandboxImages, SandboxPayloads } from './sandbox-images.ts';
import { SandboxNetwork } from './sandbox-network.ts';
import { SandboxObjectStorage } from './sandbox-object-storage.ts';
import { sandboxSettingsOf } from './sandbox-settings.ts';
import { SandboxState } from './sandbox-state.ts';

export interface SandboxOptions {
  /** Folder for the simulated clouds' state files; in memory only when absent. */
  dataDir?: string;
  /** Logical sizes of the catalogue (vCPUs and RAM count against the target's capacity). */
  sizes: Record<string, LogicalSize>;
  /** The embedded broker's base URL, where the simulated console and object endpoints are served. */
  baseUrl: string;
  now?: () => number;
}

/**
 * The in-process sandbox cloud: a simulation (and labelled so everywhere it shows) with the provider
 * interface's full behaviour — asynchronous transitions, capacity limits and injectable faults.
 */
export class SandboxProvider implements CloudProvider {
  readonly simulation = true;
  readonly target: Target;
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>([
    'pause',
    'consoleUrl',
    'liveMigrate',
    'resizeConfirm',
    'imageCopy',
  ]);
  readonly faults: SandboxFaults;
  readonly compute: SandboxCompute;
  readonly blockStorage: SandboxBlockStorage;
  readonly objectStorage: SandboxObjectStorage;
  readonly network: SandboxNetwork;
  readonly images: SandboxImages;
  readonly payloads?: SandboxPayloads;
  readonly #state: SandboxState;

  constructor(target: Target, options: SandboxOptions) {
    const now = options.now ?? Date.now;
    sandboxSettingsOf(target); // a target with invalid settings never starts (catalogue.invalid)
    const state = new SandboxState(
      options.dataDir ? join(options.dataDir, `${target.id}.json`) : undefined,
      now,
    );
    this.target = target;
    this.#state = state;
    this.faults = new SandboxFaults(target.id);
    this.compute = new SandboxCompute({
      target,
      sizes: options.sizes,
      state,
      faults: this.faults,
      now,
      consoleBaseUrl: options.baseUrl,
    });
    this.blockStorage = new SandboxBlockStorage(target, state, this.faults, now);
    this.objectStorage = new SandboxObjectStorage(target, state, this.faults, options.baseUrl, now);
    this.network = new SandboxNetwork(state, this.faults, { routed: target.site === 'onprem' });
    this.images = new SandboxImages(target, state, this.faults, now);
    // Only on-prem sandbox targets may hold PHI payloads, as with real clouds.
    if (target.site === 'onprem') this.payloads = new SandboxPayloads(state);
  }

  /** The simulated capacity of the target (targets.yaml `sandbox.capacity`) and what its servers use of it. */
  async limits(): Promise<CloudLimits> {
    const { capacity } = sandboxSettingsOf(this.target);
    const servers = Object.values(this.#state.data.servers).filter((s) => s.state !== 'deleted');
    const sum = (pick: (s: (typeof servers)[number]) => number) => servers.reduce((n, s) => n + pick(s), 0);
    return {
      source: 'sandbox',
      resources: {
        vcpus: { limit: capacity.vcpus, used: sum((s) => s.vcpus) },
        ramMiB: { limit: capacity.ramMiB, used: sum((s) => s.ramMiB) },
        volumeGiB: { limit: capacity.volumeGiB },
      },
    };
  }

  async health(): Promise<TargetHealth> {
    const failing = this.faults.settings.rules.some(
      (r) =>
        r.type === 'fail' &&
        r.kind === 'unavailable' &&
        r.method === undefined &&
        r.probability === undefined,
    );
    return {
      status: failing ? 'down' : 'healthy',
      checkedAt: new Date().toISOString(),
      detail: 'simulation (sandbox cloud, not a real cloud)',
    };
  }
}

export function sandboxFactory(options: SandboxOptions): ProviderFactory {
  return (target) => new SandboxProvider(target, options);
}
