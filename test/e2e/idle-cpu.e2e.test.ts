import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { waitFor } from '../support/wait-for.ts';
import { type SpawnedBroker, spawnBroker } from './spawned-broker.ts';

const SHIPPED_TARGETS = resolve(import.meta.dirname, '../../policies/targets.yaml');
/** Builds that outlast the test: the operations stay in their polling step the whole time. */
const BUILD_MS = 10 * 60_000;
const WAITING_OPERATIONS = 6;
const WINDOW_MS = 10_000;
/** Polls back off 250 ms, 500 ms, 1 s, 2 s, 4 s, then every 5 s: from the fifth on, the steady pace. */
const STEADY_POLL = 5;

/**
 * `npm start` with operations waiting on slow builds and no client traffic: waiting is timers, not work.
 * A poll loop that ignores its delay keeps a core busy here.
 */
describe('npm start: operations waiting on a cloud cost (almost) no CPU', () => {
  let b: SpawnedBroker;
  let app: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcb-e2e-targets-'));
    const catalogue = parse(readFileSync(SHIPPED_TARGETS, 'utf8'));
    for (const target of catalogue.targets) target.sandbox.timings.buildMs = BUILD_MS;
    const targetsFile = join(dir, 'targets.yaml');
    writeFileSync(targetsFile, stringify(catalogue));
    b = await spawnBroker({ HCB_TARGETS_FILE: targetsFile });
    app = await b.token('e2e-idle', 'app');
  }, 90_000);
  afterAll(async () => {
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`uses under 5 % of a core over ${WINDOW_MS / 1000} s while ${WAITING_OPERATIONS} builds wait`, async () => {
    const operations: string[] = [];
    for (let i = 0; i < WAITING_OPERATIONS; i++) {
      const reply = await b.call(app, 'POST', '/v1/vms', {
        name: `slow-${i}`,
        size: 'small',
        image: 'ubuntu-24.04',
        classification: i % 2 === 0 ? 'phi' : 'public',
      });
      expect(reply.status, reply.text).toBe(202);
      operations.push(reply.body.operation.id);
    }
    // Every operation is polling its build at the steady pace before the window opens.
    for (const id of operations)
      await waitFor(
        () => b.call(app, 'GET', `/v1/operations/${id}`),
        (r) => r.body.steps.at(-1)?.name === 'awaitActive' && r.body.steps.at(-1).attempts >= STEADY_POLL,
        { timeoutMs: 30_000, intervalMs: 500, what: `operation ${id} polling` },
      );
    const pollsBefore = await pollsOf(operations);

    const cpuBefore = b.cpuSeconds();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const cpuShare = (b.cpuSeconds() - cpuBefore) / (WINDOW_MS / 1000);

    const pollsDuring = (await pollsOf(operations)) - pollsBefore;
    const report = `CPU ${(cpuShare * 100).toFixed(1)} % of a core; ${pollsDuring} polls in ${WINDOW_MS} ms`;
    expect(cpuShare, report).toBeLessThan(0.05);
    // One poll every 5 s, and perhaps one nudge from the reconciler: a few per operation in the window.
    expect(pollsDuring, report).toBeLessThanOrEqual(WAITING_OPERATIONS * 4);
    for (const id of operations) {
      const op = (await b.call(app, 'GET', `/v1/operations/${id}`)).body;
      expect(['pending', 'running'], JSON.stringify(op.error)).toContain(op.status);
    }
  });

  const pollsOf = async (ids: string[]) => {
    let total = 0;
    for (const id of ids) {
      const op = (await b.call(app, 'GET', `/v1/operations/${id}`)).body;
      total += op.steps.at(-1).attempts;
    }
    return total;
  };
});
