import { mulberry32 } from '../../connectors/sandbox/sandbox-faults.ts';
/** The four flows the campaign crashes, and where. */
export type Scenario = 'vmCreate' | 'vmDelete' | 'volumeAttach' | 'snapshot';

/**
 * A place to crash: a simulated cloud call (the sandbox `crash` fault SIGKILLs the broker at the `nth`
 * call of `method`, before it does anything or after its work is persisted but before the broker sees
 * the answer), or `random`: the test SIGKILLs it at a random delay after sending the request — which is
 * how the store-write boundaries (operation saved, record written, enqueued, idempotency record) are hit.
 */
export interface CrashPoint {
  scenario: Scenario;
  name: string;
  fault?: { method: string; when: 'before' | 'after'; nth?: number };
}

const at = (scenario: Scenario, method: string, when: 'before' | 'after', nth?: number): CrashPoint => ({
  scenario,
  name: `${scenario}:${method}:${when}${nth ? `#${nth}` : ''}`,
  fault: { method, when, ...(nth ? { nth } : {}) },
});
const random = (scenario: Scenario): CrashPoint => ({ scenario, name: `${scenario}:random` });

/** Every step boundary of the four flows that is a cloud call, and a random point per flow. */
export const CRASH_POINTS: readonly CrashPoint[] = [
  // vm.create: provision (lookup, create), awaitActive (polls)
  at('vmCreate', 'findServerByBrokerId', 'before'),
  at('vmCreate', 'createServer', 'before'),
  at('vmCreate', 'createServer', 'after'),
  at('vmCreate', 'getServer', 'before', 1),
  random('vmCreate'),
  // vm.delete: deleteServer, awaitGone
  at('vmDelete', 'deleteServer', 'before'),
  at('vmDelete', 'deleteServer', 'after'),
  at('vmDelete', 'getServer', 'before', 1),
  random('vmDelete'),
  // volume.attach: attach, awaitSettled
  at('volumeAttach', 'attachVolume', 'before'),
  at('volumeAttach', 'attachVolume', 'after'),
  at('volumeAttach', 'getVolume', 'before', 1),
  random('volumeAttach'),
  // snapshot.create: lookup, create, awaitSettled
  at('snapshot', 'findSnapshotByBrokerId', 'before'),
  at('snapshot', 'createSnapshot', 'before'),
  at('snapshot', 'createSnapshot', 'after'),
  at('snapshot', 'getSnapshot', 'before', 1),
  random('snapshot'),
];

/** A small deterministic generator: the same seed drives the same run (the sandbox fault rules' own). */
export const seededRandom = mulberry32;
