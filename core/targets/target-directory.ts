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
 * are cached for `ttlMs`, refreshed concurrently and recorded with the shared target health (placement
 * ranks a target reported down last); the circuit state is the broker's own experience of calls.
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
    const healths = await Promise.all(this.#catalogue.targets.map((t) => this.#health(t.id)));
    await this.#circuits.refresh();
    return this.#catalogue.targets.map((target, i) => ({
      target,
      simulation: target.cloud === 'sandbox',
      health: healths[i]!,
      circuit: this.#circuits.state(target.id),
    }));
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
      }))
      // What the check found is shared, so placement in every process avoids a target that is down.
      .then(async (found) => {
        await this.#circuits.recordCheck(targetId, found.status, found.detail);
        return found;
      });
    this.#cache.set(targetId, { at: now, health });
    return health;
  }
}
