/**
 * Preloaded into the broker only by `npm run bench:soak` (`node --expose-gc --import bench/soak-gc-hook.ts
 * runtime/local/main.ts`): on SIGUSR2 it collects garbage fully and prints the process's memory on stderr,
 * so the bench compares resident memory after GC rather than whatever garbage happened to be waiting.
 * The broker itself has no such hook.
 */
import { getHeapStatistics } from 'node:v8';

const collect = (globalThis as { gc?: () => void }).gc;

process.on('SIGUSR2', () => {
  if (!collect) throw new Error('soak-gc-hook needs node --expose-gc');
  collect();
  collect();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  // V8's own allocations outside the heap (compiler zones and the like), and the heap's physical pages.
  const { malloced_memory: malloced, total_physical_size: heapPhysical } = getHeapStatistics();
  process.stderr.write(
    `soak-memory ${JSON.stringify({ rss, heapUsed, external, arrayBuffers, malloced, heapPhysical })}\n`,
  );
});
