/**
 * The broker's view of each target's health: a circuit breaker fed by the outcomes of real calls. Ranking
 * prefers closed circuits; an open circuit sends work to the next permitted target.
 */
export type CircuitState = 'closed' | 'open' | 'halfOpen';

export interface TargetHealthTracker {
  state(targetId: string): CircuitState;
  recordSuccess(targetId: string): void;
  recordFailure(targetId: string): void;
}
