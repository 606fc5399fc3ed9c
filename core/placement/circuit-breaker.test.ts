import { describe, expect, it } from 'vitest';
import { InMemoryTargetHealthStore } from '../ports/target-health-store.ts';
import { CircuitBreakerHealth } from './circuit-breaker.ts';

describe('CircuitBreakerHealth', () => {
  let now = 0;
  const clock = { now: () => new Date(now) };

  it('opens after the threshold, half-opens after the cool-down, closes on success', async () => {
    now = 0;
    const breaker = new CircuitBreakerHealth(clock, undefined, { threshold: 2, coolDownMs: 1000 });
    await breaker.recordFailure('t', 'x.unavailable');
    expect(breaker.state('t')).toBe('closed');
    await breaker.recordFailure('t', 'x.unavailable');
    expect(breaker.state('t')).toBe('open');
    expect(breaker.unavailable('t')).toContain('x.unavailable');
    now = 1000;
    expect(breaker.state('t')).toBe('halfOpen');
    expect(breaker.unavailable('t')).toBeUndefined();
    await breaker.recordSuccess('t');
    expect(breaker.state('t')).toBe('closed');
    expect(breaker.state('other')).toBe('closed');
  });

  it('shares what one process learns with another through the store, after the cache period', async () => {
    now = 0;
    const store = new InMemoryTargetHealthStore();
    const options = { threshold: 2, coolDownMs: 10_000, cacheMs: 500 };
    const a = new CircuitBreakerHealth(clock, store, options);
    const b = new CircuitBreakerHealth(clock, store, options);
    await b.refresh();
    await a.recordFailure('t', 'x.timeout');
    await b.recordFailure('t', 'x.timeout');
    // b counted a's failure too: two consecutive failures across processes open the circuit.
    expect(b.state('t')).toBe('open');
    expect(a.state('t')).toBe('closed'); // a's cache is still fresh
    now = 600;
    await a.refresh();
    expect(a.state('t')).toBe('open');
    await a.recordCheck('u', 'down', 'simulated outage');
    now = 1200;
    await b.refresh();
    expect(b.unavailable('u')).toBe('health check: down (simulated outage)');
  });

  it('forgets failures outside the window and records that expire', async () => {
    now = 0;
    const breaker = new CircuitBreakerHealth(clock, undefined, {
      threshold: 2,
      failureWindowMs: 1000,
      checkTtlMs: 1000,
    });
    await breaker.recordFailure('t', 'x.timeout');
    now = 5000;
    await breaker.recordFailure('t', 'x.timeout');
    expect(breaker.state('t')).toBe('closed');
    await breaker.recordCheck('t', 'down');
    expect(breaker.unavailable('t')).toBe('health check: down');
    now = 6500;
    expect(breaker.unavailable('t')).toBeUndefined();
  });

  it('keeps learning in the process when the store fails', async () => {
    now = 0;
    const broken = {
      list: () => Promise.reject(new Error('store down')),
      get: () => Promise.reject(new Error('store down')),
      put: () => Promise.reject(new Error('store down')),
    };
    const breaker = new CircuitBreakerHealth(clock, broken, { threshold: 1 });
    await breaker.refresh();
    await breaker.recordFailure('t', 'x.unavailable');
    expect(breaker.state('t')).toBe('open');
  });
});
