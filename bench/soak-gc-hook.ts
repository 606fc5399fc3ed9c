/**
 * Preloaded into the broker only by `npm run bench:soak` (`node --expose-gc --import bench/soak-gc-hook.ts
 * runtime/local/main.ts`): on SIGUSR2 it collects garbage fully and prints the process's memory on stderr,
 * so the bench compares resident memory after GC rather than whatever garbage happened to be waiting.
 * The broker itself has no such hook.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const collect = (globalThis as { gc?: (options?: Record<string, string>) => void }).gc;
/** SOAK_SMAPS_DIR: also keep the process's memory map after each collection, to diff which mappings grew. */
const smapsDir = process.env.SOAK_SMAPS_DIR;
let collections = 0;

process.on('SIGUSR2', () => {
  if (!collect) throw new Error('soak-gc-hook needs node --expose-gc');
  collect();
  collect();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  // V8's own allocations outside the heap (compiler zones and the like), and the heap's physical pages.
  const { malloced_memory: malloced, total_physical_size: heapPhysical } = getHeapStatistics();
  // Each space's resident pages: which one keeps pages its live objects no longer need.
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size]),
  );
  collections += 1;
  // Read, not copied: /proc files report no size, so a copy would be empty.
  if (smapsDir) writeFileSync(join(smapsDir, `smaps-${collections}.txt`), readFileSync('/proc/self/smaps'));
  // Then the memory-reducing collection V8 makes when it judges a process idle: it also unmaps the pages a
  // plain one leaves resident (https://v8.dev/blog/trash-talk#idle-time-gc). The parent reads VmRSS after it.
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  if (smapsDir)
    writeFileSync(join(smapsDir, `smaps-${collections}-reduced.txt`), readFileSync('/proc/self/smaps'));
  const rssRegular = rss;
  process.stderr.write(
    `soak-memory ${JSON.stringify({ rssRegular, heapUsed, external, arrayBuffers, malloced, heapPhysical, spaces })}\n`,
  );
});
