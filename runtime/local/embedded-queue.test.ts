import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/ports/logger.ts';
import { EmbeddedQueue } from './embedded-queue.ts';

describe('EmbeddedQueue', () => {
  it('never runs one operation twice at once, and runs it again if delivered meanwhile', async () => {
    const queue = new EmbeddedQueue(silentLogger, 4);
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    queue.attach(async () => {
      running += 1;
      runs += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 20));
      running -= 1;
    });
    const ref = { tenant: 't', operationId: 'op-1' };
    await queue.enqueue(ref);
    await new Promise((r) => setTimeout(r, 5));
    await queue.enqueue(ref);
    await queue.enqueue(ref);
    await queue.whenIdle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('honours delays and a concurrency limit across operations', async () => {
    const queue = new EmbeddedQueue(silentLogger, 2);
    let running = 0;
    let maxRunning = 0;
    const started: number[] = [];
    const t0 = Date.now();
    queue.attach(async () => {
      started.push(Date.now() - t0);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 10));
      running -= 1;
    });
    for (let i = 0; i < 6; i++) await queue.enqueue({ tenant: 't', operationId: `op-${i}` });
    await queue.enqueue({ tenant: 't', operationId: 'late' }, 80);
    await queue.whenIdle();
    expect(maxRunning).toBe(2);
    expect(started).toHaveLength(7);
    expect(Math.max(...started)).toBeGreaterThanOrEqual(75);
  });

  describe('delays asked for while the operation runs', () => {
    afterEach(() => vi.useRealTimers());
    const ref = { tenant: 't', operationId: 'op-wait' };

    it('honours a wait the run asks for: the next run comes after the delay, not at once', async () => {
      const queue = new EmbeddedQueue(silentLogger, 4);
      const started: number[] = [];
      const asked: number[] = [];
      queue.attach(async (r) => {
        started.push(Date.now());
        if (started.length < 3) {
          asked.push(Date.now());
          await queue.enqueue(r, 100); // a `wait` outcome: poll again in 100 ms
          await new Promise((res) => setTimeout(res, 10)); // the run goes on a little after asking
        }
      });
      await queue.enqueue(ref);
      await queue.whenIdle();
      expect(started).toHaveLength(3);
      for (let i = 1; i < 3; i++) expect(started[i]! - asked[i - 1]!).toBeGreaterThanOrEqual(95);
    });

    it('keeps the earliest of two due times for one operation, and runs it once', async () => {
      const queue = new EmbeddedQueue(silentLogger, 4);
      const started: number[] = [];
      const t0 = Date.now();
      queue.attach(async () => {
        started.push(Date.now() - t0);
      });
      await queue.enqueue(ref, 30);
      await queue.enqueue(ref, 300);
      await queue.whenIdle();
      expect(started).toHaveLength(1);
      expect(started[0]).toBeLessThan(250);
    });

    it('retries a run that threw after 5 s instead of spinning', async () => {
      vi.useFakeTimers();
      const queue = new EmbeddedQueue(silentLogger, 4);
      let runs = 0;
      queue.attach(async () => {
        runs += 1;
        throw new Error('store down');
      });
      await queue.enqueue(ref);
      await vi.advanceTimersByTimeAsync(4_900);
      expect(runs).toBe(1);
      await vi.advanceTimersByTimeAsync(200);
      expect(runs).toBe(2);
      await queue.close();
    });
  });
});

describe('EmbeddedQueue backlog (what /metrics shows)', () => {
  it('counts waiting operations, not running ones, and ages only those already due', async () => {
    const queue = new EmbeddedQueue(silentLogger, 1);
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => {
      release = r;
    });
    queue.attach(() => blocked);
    expect(queue.backlog()).toEqual({ depth: 0, oldestAgeMs: 0 });
    await queue.enqueue({ tenant: 't', operationId: 'op-running' });
    await queue.enqueue({ tenant: 't', operationId: 'op-ready-1' });
    await queue.enqueue({ tenant: 't', operationId: 'op-ready-2' });
    await queue.enqueue({ tenant: 't', operationId: 'op-later' }, 60_000);
    await new Promise((r) => setTimeout(r, 40));
    const { depth, oldestAgeMs } = queue.backlog();
    expect(depth).toBe(3); // two ready behind the running one, one scheduled for later
    expect(oldestAgeMs).toBeGreaterThanOrEqual(30);
    expect(oldestAgeMs).toBeLessThan(5_000);
    release();
    await new Promise((r) => setTimeout(r, 20));
    expect(queue.backlog().depth).toBe(1);
    expect(queue.backlog().oldestAgeMs).toBe(0);
    await queue.close();
  });
});
