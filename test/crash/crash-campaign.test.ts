import { appendFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CRASH_POINTS } from './crash-points.ts';
import { type CrashRunResult, crashRun } from './crash-run.ts';
import { summarize } from './crash-summary.ts';

/**
 * The crash-injection campaign (I4, I5): SIGKILL the broker at every cloud-call step boundary of VM
 * create, VM delete, volume attach and snapshot, and at random points, restart it on the same data
 * folder, reconcile once and check: no orphan, no duplicate, nothing stuck, one resource per key.
 *
 * `npm test` runs each crash point once (a few minutes). The long campaign: `CRASH_RUNS=250 npm run
 * test:crash`. Run i uses seed CRASH_SEED + i and crash point seed mod the number of points, so
 * `CRASH_SEED=<seed> CRASH_RUNS=1 npm run test:crash` replays one run. CRASH_REPORT=<file> writes the
 * results as JSON at the end, CRASH_LOG=<file> appends each run's as it finishes (JSON lines).
 */
const runs = Number(process.env.CRASH_RUNS ?? CRASH_POINTS.length);
const firstSeed = Number(process.env.CRASH_SEED ?? 1000);
const plan = Array.from({ length: runs }, (_, i) => {
  const seed = firstSeed + i;
  return { seed, point: CRASH_POINTS[seed % CRASH_POINTS.length]! };
});

// `npm run test:crash` runs a few at once (CRASH_CONCURRENT=1, vitest's --maxConcurrency); npm test one at a time.
const concurrent = process.env.CRASH_CONCURRENT === '1';

describe('crash injection: kill the broker at every step boundary, restart, reconcile', {
  concurrent,
}, () => {
  const results: CrashRunResult[] = [];
  afterAll(() => {
    process.stdout.write(`\n${summarize(results)}\n`);
    if (process.env.CRASH_REPORT) writeFileSync(process.env.CRASH_REPORT, JSON.stringify(results, null, 1));
  });

  for (const { seed, point } of plan)
    it(`seed ${seed}: ${point.name}`, { timeout: 300_000 }, async () => {
      const result = await crashRun(seed, point, { keepDataDir: process.env.CRASH_KEEP === '1' });
      results.push(result);
      if (process.env.CRASH_LOG) appendFileSync(process.env.CRASH_LOG, `${JSON.stringify(result)}\n`);
      expect(
        {
          orphans: result.orphans,
          duplicates: result.duplicates,
          stuck: result.stuck,
          keyViolations: result.keyViolations,
          outcome: result.outcome,
        },
        `seed ${seed} (${result.point}); answers ${result.answers.join(', ')}; replay: CRASH_SEED=${seed} CRASH_RUNS=1 npm run test:crash`,
      ).toEqual({ orphans: [], duplicates: [], stuck: [], keyViolations: [], outcome: [] });
    });
});
