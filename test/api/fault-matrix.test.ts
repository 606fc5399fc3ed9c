import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { faultMatrixSteps, type Step } from '../support/fault-matrix-steps.ts';

/**
 * The fault matrix: each fault the sandbox can produce × each step of each lifecycle, with the outcome
 * the broker must reach written in the table below. A row whose correct outcome needs a fix elsewhere
 * stays in the table, skipped, naming the defect.
 *
 * Every row works on phi resources, so they run on an on-prem target and a create may fall back only to
 * the other one. Which one comes first depends on the targets' circuits (earlier rows' faults open
 * them), so each row asks the placement where its create will go, or reads where its subject is.
 * Retries use the worker's real back-off (1 s, 2 s, 4 s…) on real timers.
 */

/** The role that may set sandbox faults (one place, should the route's role change). */
const FAULT_ROLE = 'operator';

type Fault =
  | 'capacity'
  | 'quotaExceeded'
  | 'unavailable'
  | 'timeout'
  | 'conflict'
  | 'invalidRequest'
  | 'lostResponse' // the call does its work, then its answer is lost
  | 'failBuild' // the next server ends in error instead of active
  | 'slow' // every call on the target waits SLOW_MS first
  | 'down'; // every call on the target fails `unavailable` (its health says down)

/**
 * - `firstTry`: succeeded with no retry (the fault did not apply, or only slowed it down);
 * - `retried`: succeeded on the same target after the worker backed off (≥ 1 s) and tried again;
 * - `fellBack`: succeeded on the next permitted target, nothing left on the faulted one;
 * - `once`: succeeded, and what the lost call did happened exactly once;
 * - a code: failed with that code, the resource released (no task left), nothing half-created.
 * Every success of a create leaves exactly one cloud resource; every failed create leaves none.
 */
type Outcome = 'firstTry' | 'retried' | 'fellBack' | 'once' | `${string}.${string}`;

// biome-ignore format: a table reads best aligned
const MATRIX: [Step, Fault, Outcome, skip?: string][] = [
  // step                            fault             expected outcome
  ['vm.create:provision',            'capacity',       'fellBack'],
  ['vm.create:provision',            'quotaExceeded',  'fellBack'],
  ['vm.create:provision',            'unavailable',    'fellBack'],
  ['vm.create:provision',            'timeout',        'retried'],
  ['vm.create:provision',            'conflict',       'retried'],
  ['vm.create:provision',            'invalidRequest', 'sandbox.invalidRequest'],
  ['vm.create:provision',            'lostResponse',   'once'],
  ['vm.create:provision',            'failBuild',      'fellBack'],
  ['vm.create:provision',            'slow',           'firstTry'],
  ['vm.create:provision',            'down',           'fellBack'],
  ['vm.create:awaitActive',          'capacity',       'sandbox.capacity'],
  ['vm.create:awaitActive',          'quotaExceeded',  'sandbox.quotaExceeded'],
  ['vm.create:awaitActive',          'unavailable',    'retried'],
  ['vm.create:awaitActive',          'timeout',        'retried'],
  ['vm.create:awaitActive',          'conflict',       'retried'],
  ['vm.create:awaitActive',          'invalidRequest', 'sandbox.invalidRequest'],
  ['vm.create:awaitActive',          'lostResponse',   'firstTry'], // a read has no effect to lose
  ['vm.create:awaitActive',          'slow',           'firstTry'],
  ['vm.delete:deleteServer',         'capacity',       'sandbox.capacity'],
  ['vm.delete:deleteServer',         'quotaExceeded',  'sandbox.quotaExceeded'],
  ['vm.delete:deleteServer',         'unavailable',    'retried'],
  ['vm.delete:deleteServer',         'timeout',        'retried'],
  ['vm.delete:deleteServer',         'conflict',       'retried'],
  ['vm.delete:deleteServer',         'invalidRequest', 'sandbox.invalidRequest'],
  ['vm.delete:deleteServer',         'lostResponse',   'once'],
  ['vm.delete:deleteServer',         'failBuild',      'firstTry'], // builds only
  ['vm.delete:deleteServer',         'slow',           'firstTry'],
  ['vm.delete:awaitGone',            'unavailable',    'retried'],
  ['vm.delete:awaitGone',            'timeout',        'retried'],
  ['vm.delete:awaitGone',            'conflict',       'retried'],
  ['vm.delete:awaitGone',            'invalidRequest', 'sandbox.invalidRequest'],
  ['vm.delete:awaitGone',            'lostResponse',   'firstTry'],
  ['vm.delete:awaitGone',            'slow',           'firstTry'],
  ['vm.stop:request',                'capacity',       'sandbox.capacity'],
  ['vm.stop:request',                'quotaExceeded',  'sandbox.quotaExceeded'],
  ['vm.stop:request',                'unavailable',    'retried'],
  ['vm.stop:request',                'timeout',        'retried'],
  ['vm.stop:request',                'conflict',       'retried'],
  ['vm.stop:request',                'invalidRequest', 'sandbox.invalidRequest'],
  ['vm.stop:request',                'lostResponse',   'once'],
  ['vm.stop:request',                'slow',           'firstTry'],
  ['vm.snapshot:request',            'capacity',       'sandbox.capacity'],
  ['vm.snapshot:request',            'unavailable',    'retried'],
  ['vm.snapshot:request',            'timeout',        'retried'],
  ['vm.snapshot:request',            'invalidRequest', 'sandbox.invalidRequest'],
  ['vm.snapshot:request',            'lostResponse',   'once'],
  ['vm.snapshot:request',            'slow',           'firstTry'],
  ['volume.create:provision',        'capacity',       'fellBack'],
  ['volume.create:provision',        'quotaExceeded',  'fellBack'],
  ['volume.create:provision',        'unavailable',    'fellBack'],
  ['volume.create:provision',        'timeout',        'retried'],
  ['volume.create:provision',        'conflict',       'retried'],
  ['volume.create:provision',        'invalidRequest', 'sandbox.invalidRequest'],
  ['volume.create:provision',        'lostResponse',   'once'],
  ['volume.create:provision',        'slow',           'firstTry'],
  ['volume.create:provision',        'down',           'fellBack'],
  ['volume.attach:attach',           'capacity',       'sandbox.capacity'],
  ['volume.attach:attach',           'quotaExceeded',  'sandbox.quotaExceeded'],
  ['volume.attach:attach',           'unavailable',    'retried'],
  ['volume.attach:attach',           'timeout',        'retried'],
  ['volume.attach:attach',           'conflict',       'retried'],
  ['volume.attach:attach',           'invalidRequest', 'sandbox.invalidRequest'],
  ['volume.attach:attach',           'lostResponse',   'once'],
  ['volume.attach:attach',           'slow',           'firstTry'],
  ['snapshot.create:createSnapshot', 'capacity',       'sandbox.capacity'],
  ['snapshot.create:createSnapshot', 'quotaExceeded',  'sandbox.quotaExceeded'],
  ['snapshot.create:createSnapshot', 'unavailable',    'retried'],
  ['snapshot.create:createSnapshot', 'timeout',        'retried'],
  ['snapshot.create:createSnapshot', 'conflict',       'retried'],
  ['snapshot.create:createSnapshot', 'invalidRequest', 'sandbox.invalidRequest'],
  ['snapshot.create:createSnapshot', 'lostResponse',   'once'],
  ['snapshot.create:createSnapshot', 'slow',           'firstTry'],
];

const SLOW_MS = 150;
/** A target that is down refuses this many calls: more than any row makes. */
const DOWN_CALLS = 1000;
/** The worker's first back-off after a retryable failure is 1 s. */
const FIRST_BACKOFF_MS = 1_000;

describe('fault matrix: each sandbox fault × each step of each lifecycle', () => {
  let h: Harness;
  let app: string;
  let operator: string;
  let m: ReturnType<typeof faultMatrixSteps>;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-faults', ['app']);
    operator = await h.token('tenant-faults', [FAULT_ROLE]);
    m = faultMatrixSteps(h, app);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    for (const p of h.broker.providers.all()) (p as SandboxProvider).faults.clear();
  });

  const inject = async (target: string, fault: Fault, method: string) => {
    const rule =
      fault === 'slow'
        ? { rules: [], latencyMs: SLOW_MS }
        : fault === 'lostResponse'
          ? { rules: [{ type: 'loseResponse', method, count: 1 }] }
          : fault === 'failBuild'
            ? { rules: [{ type: 'failBuild', count: 1 }] }
            : fault === 'down'
              ? { rules: [{ type: 'fail', kind: 'unavailable', count: DOWN_CALLS }] }
              : { rules: [{ type: 'fail', method, kind: fault, count: 1 }] };
    const reply = await h.call('PUT', `/v1/sandbox/targets/${target}/faults`, {
      token: operator,
      body: rule,
    });
    expect(reply.status, reply.text).toBe(200);
  };

  for (const [step, fault, outcome, defect] of MATRIX) {
    const name = `${step} × ${fault} → ${outcome}`;
    it.skipIf(defect !== undefined)(defect ? `${name} (skipped: ${defect})` : name, async () => {
      const spec = m.STEPS[step];
      const subject = await spec.prepare();
      const { target, fallback } = await m.targetsOf(spec, subject);
      expect(target).toMatch(/^sandbox-onprem-/);
      await inject(target, fault, spec.method);
      const started = Date.now();
      const reply = await spec.start(subject);
      const op = await m.settled(reply);
      const elapsed = Date.now() - started;
      const brokerId: string =
        spec.creates === 'image' ? (op.result?.imageId ?? op.input?.imageId) : op.resource.id;
      const summary = JSON.stringify({ status: op.status, error: op.error, steps: op.steps });
      const faults = (h.broker.providers.get(target) as SandboxProvider).faults;
      const rulesLeft = [...faults.settings.rules];
      // A target that is down stays down until it is counted: bring it back to look inside.
      if (fault === 'down') faults.clear();

      if (outcome.includes('.')) {
        expect(op.status, summary).toBe('failed');
        expect(op.error.code, summary).toBe(outcome);
        // Released: no task left on the resource, so the client can act again.
        const resource = subject.volumeId && !subject.vmId ? `/v1/volumes/${subject.volumeId}` : undefined;
        const vmPath = subject.vmId ? `/v1/vms/${subject.vmId}` : undefined;
        for (const path of [resource, vmPath])
          if (path) expect((await m.get(path)).task, path).toBeUndefined();
        if (spec.creates && brokerId)
          await expectEventually(
            () => m.cloudCount(spec.creates!, brokerId),
            0,
            `${spec.creates} left behind`,
          );
        return;
      }

      expect(op.status, summary).toBe('succeeded');
      await spec.verify(subject, op);
      if (spec.creates) expect(await m.cloudCount(spec.creates, brokerId), `one ${spec.creates}`).toBe(1);
      switch (outcome) {
        case 'fellBack':
          expect(JSON.stringify(op.steps)).toContain(`fell back from ${target} to ${fallback}`);
          if (spec.creates) {
            expect(await m.cloudCount(spec.creates, brokerId, fallback)).toBe(1);
            await expectEventually(
              () => m.cloudCount(spec.creates!, brokerId, target),
              0,
              'left on the target',
            );
          }
          break;
        case 'retried':
          // The worker waited its back-off before trying again, on the same target.
          expect(elapsed, summary).toBeGreaterThanOrEqual(FIRST_BACKOFF_MS - 50);
          if (spec.creates) expect(await m.cloudCount(spec.creates, brokerId, target)).toBe(1);
          break;
        case 'once':
          // The lost call's effect is found by looking (adopted at once, or waited for): never made twice.
          if (spec.creates) expect(await m.cloudCount(spec.creates, brokerId, target)).toBe(1);
          break;
        case 'firstTry': {
          // The faulted step ran once (a polling step runs until the cloud is done, so it is not counted).
          const name = step.split(':')[1]!;
          const ran = op.steps.find((s: { name: string }) => s.name === name);
          if (!name.startsWith('await')) expect(ran.attempts, summary).toBe(1);
          if (spec.creates) expect(await m.cloudCount(spec.creates, brokerId, target)).toBe(1);
          break;
        }
      }
      // A fault that fires is consumed; one that does not apply to this step is still waiting.
      if (outcome === 'firstTry' && fault !== 'slow')
        expect(rulesLeft, 'the fault never applied').toHaveLength(1);
      else if (fault === 'down')
        expect(rulesLeft[0]?.count, 'the target refused calls').toBeLessThan(DOWN_CALLS);
      else expect(rulesLeft, 'the fault happened').toEqual([]);
    });
  }

  it('backs off for real: three timeouts in a row cost 1 s + 2 s + 4 s, then the create succeeds', async () => {
    const { target } = await m.targetsOf(m.STEPS['vm.create:provision'], {});
    await h.call('PUT', `/v1/sandbox/targets/${target}/faults`, {
      token: operator,
      body: { rules: [{ type: 'fail', method: 'createServer', kind: 'timeout', count: 3 }] },
    });
    const started = Date.now();
    const op = await m.settled(await m.STEPS['vm.create:provision'].start({}));
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(7_000 - 50);
    expect(await m.cloudCount('server', op.resource.id)).toBe(1);
  });
});

async function expectEventually(read: () => Promise<number>, expected: number, what: string) {
  const deadline = Date.now() + 2_000;
  let value = await read();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  expect(value, what).toBe(expected);
}
