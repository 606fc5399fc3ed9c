import { describeError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { CloudLimits } from '../ports/cloud/limits.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';

/** What the cloud behind a target allows, or why it could not be read (a code, never data). */
export type TargetCapacityView =
  | CloudLimits
  | { source: 'unavailable'; error: string; resources: Record<string, never> };

/**
 * The real limits of the clouds behind the targets (Nova/Cinder project limits, EC2 account limits, the
 * sandbox's simulated capacity), shown beside the broker's quotas. Reading them reaches the cloud, so
 * answers are kept for `ttlMs`.
 */
export class TargetCapacity {
  readonly #providers: ProviderRegistry;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; view: Promise<TargetCapacityView> }>();

  constructor(providers: ProviderRegistry, clock: Clock, ttlMs = 30_000) {
    this.#providers = providers;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  of(targetId: string): Promise<TargetCapacityView> {
    const now = this.#clock.now().getTime();
    const cached = this.#cache.get(targetId);
    if (cached && now - cached.at < this.#ttlMs) return cached.view;
    const provider = this.#providers.get(targetId);
    const view: Promise<TargetCapacityView> = provider.limits
      ? provider.limits().catch((error: unknown) => ({
          source: 'unavailable' as const,
          error: describeError(error).code,
          resources: {},
        }))
      : Promise.resolve({ source: 'unavailable' as const, error: 'limits.unsupported', resources: {} });
    this.#cache.set(targetId, { at: now, view });
    return view;
  }
}
