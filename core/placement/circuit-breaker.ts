import type { Clock } from '../ports/clock.ts';
import type { CircuitState, TargetHealthTracker } from '../ports/target-health.ts';

interface Circuit {
  failures: number;
  openedAt?: number;
}

/**
 * A per-target circuit breaker: `threshold` consecutive failures open the circuit; after `coolDownMs` it
 * is half-open (one try allowed); a success closes it. In-process state: each broker instance learns on
 * its own, which is enough to steer ranking.
 */
export class CircuitBreakerHealth implements TargetHealthTracker {
  readonly #circuits = new Map<string, Circuit>();
  readonly #clock: Clock;
  readonly #threshold: number;
  readonly #coolDownMs: number;

  constructor(clock: Clock, options: { threshold?: number; coolDownMs?: number } = {}) {
    this.#clock = clock;
    this.#threshold = options.threshold ?? 3;
    this.#coolDownMs = options.coolDownMs ?? 30_000;
  }

  state(targetId: string): CircuitState {
    const circuit = this.#circuits.get(targetId);
    if (circuit?.openedAt === undefined) return 'closed';
    return this.#clock.now().getTime() - circuit.openedAt >= this.#coolDownMs ? 'halfOpen' : 'open';
  }

  recordSuccess(targetId: string): void {
    this.#circuits.delete(targetId);
  }

  recordFailure(targetId: string): void {
    const circuit = this.#circuits.get(targetId) ?? { failures: 0 };
    circuit.failures += 1;
    if (circuit.failures >= this.#threshold) circuit.openedAt = this.#clock.now().getTime();
    this.#circuits.set(targetId, circuit);
  }
}
