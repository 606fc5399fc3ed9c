import { describe, expect, it } from 'vitest';
import { CircuitBreakerHealth } from './circuit-breaker.ts';

describe('CircuitBreakerHealth', () => {
  it('opens after the threshold, half-opens after the cool-down, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreakerHealth(
      { now: () => new Date(now) },
      { threshold: 2, coolDownMs: 1000 },
    );
    breaker.recordFailure('t');
    expect(breaker.state('t')).toBe('closed');
    breaker.recordFailure('t');
    expect(breaker.state('t')).toBe('open');
    now = 1000;
    expect(breaker.state('t')).toBe('halfOpen');
    breaker.recordSuccess('t');
    expect(breaker.state('t')).toBe('closed');
    expect(breaker.state('other')).toBe('closed');
  });
});
