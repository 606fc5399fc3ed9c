/**
 * The broker's view of each target's health: a circuit breaker fed by the outcomes of real calls (lookups
 * and creates), plus what the targets' own health checks said. Every process of a deployment shares it,
 * so one process learning that a target is down steers the others' placement too. Ranking puts targets
 * known to be unavailable (open circuit, or a recent health check saying `down`) after every other
 * permitted one; it never adds a target policy denied.
 */
export const CIRCUIT_STATES = ['closed', 'open', 'halfOpen'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export const HEALTH_CHECK_STATUSES = ['healthy', 'degraded', 'down'] as const;
export type HealthCheckStatus = (typeof HEALTH_CHECK_STATUSES)[number];

export interface TargetHealthTracker {
  /** Brings the view up to date with what every process recorded (cached for a short while). */
  refresh(): Promise<void>;
  /** The circuit state as of the last refresh or own write (closed when unknown). */
  state(targetId: string): CircuitState;
  /** Why the target is known to be unavailable (PHI-free), or undefined when it is not. */
  unavailable(targetId: string): string | undefined;
  recordSuccess(targetId: string): Promise<void>;
  /** A call to the target failed; `code` is the PHI-free error code. Never rejects. */
  recordFailure(targetId: string, code?: string): Promise<void>;
  /** What the target's health check answered. */
  recordCheck(targetId: string, status: HealthCheckStatus, detail?: string): Promise<void>;
}

/** A tracker for which every target is always healthy (policy tests, what-if tools). */
export const ALWAYS_HEALTHY: TargetHealthTracker = {
  refresh: async () => {},
  state: () => 'closed',
  unavailable: () => undefined,
  recordSuccess: async () => {},
  recordFailure: async () => {},
  recordCheck: async () => {},
};
