import { describe, expect, it } from 'vitest';
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
});
