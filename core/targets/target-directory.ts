import type { Target, TargetCatalogue } from '../model/target.ts';
import type { Clock } from '../ports/clock.ts';
import type { ProviderRegistry, TargetHealth } from '../ports/cloud/provider.ts';
import type { CircuitState, TargetHealthTracker } from '../ports/target-health.ts';

export interface TargetStatus {
  target: Target;
  simulation: boolean;
  health: TargetHealth;
  circuit: CircuitState;
}

/**
 * Targets with their health, for `/v1/targets` and the portal. Health checks reach the clouds, so results
 * are cached for `ttlMs` and refreshed concurrently; the circuit state is the broker's own experience.
 */
export class TargetDirectory {
  readonly #catalogue: TargetCatalogue;
  readonly #providers: ProviderRegistry;
  readonly #circuits: TargetHealthTracker;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; health: Promise<TargetHealth> }>();

  constructor(
    catalogue: TargetCatalogue,
    providers: ProviderRegistry,
    circuits: TargetHealthTracker,
    clock: Clock,
    ttlMs = 30_000,
  ) {
    this.#catalogue = catalogue;
    this.#providers = providers;
    this.#circuits = circuits;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  get catalogue(): TargetCatalogue {
    return this.#catalogue;
  }

  async list(): Promise<TargetStatus[]> {
    return Promise.all(
      this.#catalogue.targets.map(async (target) => ({
        target,
        simulation: target.cloud === 'sandbox',
        health: await this.#health(target.id),
        circuit: this.#circuits.state(target.id),
      })),
    );
  }

  #health(targetId: string): Promise<TargetHealth> {
    const now = this.#clock.now().getTime();
    const cached = this.#cache.get(targetId);
    if (cached && now - cached.at < this.#ttlMs) return cached.health;
    const health = this.#providers
      .get(targetId)
      .health()
      .catch(() => ({
        status: 'down' as const,
        checkedAt: new Date(now).toISOString(),
        detail: 'health check failed',
      }));
    this.#cache.set(targetId, { at: now, health });
    return health;
  }
}
