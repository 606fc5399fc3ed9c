import type { Clock } from '../ports/clock.ts';
import type { CircuitState, HealthCheckStatus, TargetHealthTracker } from '../ports/target-health.ts';
import {
  InMemoryTargetHealthStore,
  type TargetHealthRecord,
  type TargetHealthStore,
} from '../ports/target-health-store.ts';

export interface CircuitBreakerOptions {
  /** Consecutive failures (within `failureWindowMs`) that open the circuit. */
  threshold?: number;
  /** How long an open circuit stays open before one try is allowed (half-open). */
  coolDownMs?: number;
  /** Failures further apart than this do not add up. */
  failureWindowMs?: number;
  /** How long a health check's `down` counts. */
  checkTtlMs?: number;
  /** How long this process trusts what it last read from the shared store. */
  cacheMs?: number;
}

/**
 * A per-target circuit breaker shared by every process of a deployment: `threshold` consecutive failures
 * open the circuit; after `coolDownMs` it is half-open (one try allowed); a success closes it. State lives
 * in a store (the broker table in production) written with optimistic concurrency, and is read with a
 * short in-process cache so ranking costs no store read per request. Health is advisory: when the store
 * cannot be reached, this process keeps what it learned itself and the work goes on.
 */
export class CircuitBreakerHealth implements TargetHealthTracker {
  readonly #clock: Clock;
  readonly #store: TargetHealthStore;
  readonly #threshold: number;
  readonly #coolDownMs: number;
  readonly #failureWindowMs: number;
  readonly #checkTtlMs: number;
  readonly #cacheMs: number;
  #records = new Map<string, TargetHealthRecord>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;

  constructor(clock: Clock, store?: TargetHealthStore, options: CircuitBreakerOptions = {}) {
    this.#clock = clock;
    this.#store = store ?? new InMemoryTargetHealthStore();
    this.#threshold = options.threshold ?? 3;
    this.#coolDownMs = options.coolDownMs ?? 30_000;
    this.#failureWindowMs = options.failureWindowMs ?? 120_000;
    this.#checkTtlMs = options.checkTtlMs ?? 60_000;
    this.#cacheMs = options.cacheMs ?? 2_000;
  }

  refresh(): Promise<void> {
    if (this.#now() - this.#loadedAt < this.#cacheMs) return Promise.resolve();
    this.#loading ??= this.#store
      .list()
      .then((records) => {
        this.#records = new Map(records.map((r) => [r.targetId, r]));
        this.#loadedAt = this.#now();
      })
      .catch(() => {
        // Keep what this process knows; try the store again after the cache period.
        this.#loadedAt = this.#now();
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }

  state(targetId: string): CircuitState {
    const record = this.#live(targetId);
    if (record?.openedAt === undefined) return 'closed';
    return this.#now() - record.openedAt >= this.#coolDownMs ? 'halfOpen' : 'open';
  }

  unavailable(targetId: string): string | undefined {
    const record = this.#live(targetId);
    if (!record) return undefined;
    if (this.state(targetId) === 'open')
      return `circuit open after ${record.failures} failed calls (last: ${record.lastError ?? 'unknown'})`;
    const check = record.check;
    if (check?.status === 'down' && this.#now() - check.at < this.#checkTtlMs)
      return `health check: down${check.detail ? ` (${check.detail})` : ''}`;
    return undefined;
  }

  async recordSuccess(targetId: string): Promise<void> {
    await this.refresh();
    const known = this.#live(targetId);
    // Nothing to clear: no write (a success is the common case).
    if (!known || (known.failures === 0 && known.openedAt === undefined)) return;
    await this.#update(targetId, (r) => {
      if (r.failures === 0 && r.openedAt === undefined) return undefined;
      const { openedAt: _o, lastFailureAt: _l, lastError: _e, ...rest } = r;
      return { ...rest, failures: 0 };
    });
  }

  recordFailure(targetId: string, code = 'unknown'): Promise<void> {
    return this.#update(targetId, (r) => {
      const now = this.#now();
      const recent = r.lastFailureAt !== undefined && now - r.lastFailureAt < this.#failureWindowMs;
      const failures = (recent ? r.failures : 0) + 1;
      const next: TargetHealthRecord = { ...r, failures, lastFailureAt: now, lastError: code };
      // Open (or, after a failed half-open try, re-open) once the threshold is reached.
      const open = r.openedAt !== undefined && now - r.openedAt < this.#coolDownMs;
      if (failures >= this.#threshold && !open) next.openedAt = now;
      return next;
    });
  }

  recordCheck(targetId: string, status: HealthCheckStatus, detail?: string): Promise<void> {
    // Healthy as far as this process knows: no store round trip (a stale `down` expires on its own).
    const known = this.#live(targetId)?.check;
    if (status === 'healthy' && (known === undefined || known.status === 'healthy')) return Promise.resolve();
    return this.#update(targetId, (r) => {
      // An unchanged healthy answer needs no write.
      if (status === 'healthy' && (r.check === undefined || r.check.status === 'healthy')) return undefined;
      return { ...r, check: { status, at: this.#now(), ...(detail ? { detail } : {}) } };
    });
  }

  /** Read-modify-write with a version condition; `change` returns undefined when nothing changes. */
  async #update(
    targetId: string,
    change: (r: TargetHealthRecord) => TargetHealthRecord | undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let stored: TargetHealthRecord | undefined;
      try {
        stored = await this.#store.get(targetId);
      } catch {
        stored = this.#records.get(targetId);
      }
      const base = stored && !this.#expired(stored) ? stored : undefined;
      const current: TargetHealthRecord = base ?? { targetId, failures: 0, expiresAt: 0, version: 0 };
      const changed = change({ ...current, version: stored?.version ?? 0 });
      if (!changed) {
        if (stored) this.#records.set(targetId, stored);
        return;
      }
      const next = { ...changed, expiresAt: this.#expiryOf(changed) };
      let written: boolean;
      try {
        written = await this.#store.put(next);
      } catch {
        // The store is unreachable: remember it in this process at least.
        this.#records.set(targetId, next);
        return;
      }
      if (written) {
        this.#records.set(targetId, { ...next, version: next.version + 1 });
        return;
      }
    }
  }

  #expiryOf(r: TargetHealthRecord): number {
    return Math.max(
      (r.lastFailureAt ?? 0) + this.#failureWindowMs,
      (r.openedAt ?? 0) + this.#coolDownMs + this.#failureWindowMs,
      (r.check?.at ?? 0) + this.#checkTtlMs,
    );
  }

  #live(targetId: string): TargetHealthRecord | undefined {
    const record = this.#records.get(targetId);
    return record && !this.#expired(record) ? record : undefined;
  }

  #expired(record: TargetHealthRecord): boolean {
    return record.expiresAt <= this.#now();
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}
