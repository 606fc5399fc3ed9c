import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateDevKey, mintDevToken } from '../../auth/dev-signing-key.ts';
import {
  type BrokerProcess,
  call,
  endsWithin,
  killBroker,
  type Reply,
  startBrokerProcess,
} from './broker-process.ts';
import { type Findings, findViolations, readCloud, readStore, type StoreContents } from './crash-checks.ts';
import { type CrashPoint, type Scenario, seededRandom } from './crash-points.ts';

const TENANT = 'crash-clinic';
const TARGET = 'sandbox-onprem-north';
/** phi in region `north`: everything lands on one on-prem target, so attachments are possible. */
const PLACED = { classification: 'phi', region: 'north' } as const;

export interface CrashRunResult extends Findings {
  seed: number;
  point: string;
  /** The crash fault fired (false: the run never reached that call and was killed at the end instead). */
  reached: boolean;
  /** Idempotency-Key breaches: a request that led to other than exactly one resource or operation. */
  keyViolations: string[];
  /** The flow did not end as it should (the crash made the request fail, or its resource is off). */
  outcome: string[];
  /** The client's first answer, and its retries after the restart (status codes). */
  answers: string[];
  wallMs: number;
  settleMs: number;
  reconcile?: unknown;
}

export interface RunOptions {
  /** How long the restarted broker may take to finish everything before the checks. */
  settleMs?: number;
  keepDataDir?: boolean;
}

interface Prepared {
  vmId?: string;
  volumeId?: string;
}

/**
 * One crash run, reproducible from its seed: start the broker, prepare what the flow needs, arm the
 * crash, send the request (with an Idempotency-Key), let the process die (or kill it), restart it on the
 * same data folder, retry as a client would, let it settle, run one reconcile pass, stop it and check
 * the store and the simulated cloud: no orphan, no duplicate, nothing stuck, one resource per key.
 */
export async function crashRun(
  seed: number,
  point: CrashPoint,
  options: RunOptions = {},
): Promise<CrashRunResult> {
  const started = Date.now();
  const rnd = seededRandom(seed);
  const dataDir = mkdtempSync(join(tmpdir(), `hcb-crash-${seed}-`));
  const key = await loadOrCreateDevKey(dataDir);
  const app = await mintDevToken(key, { tenant: TENANT, roles: ['app'] });
  const admin = await mintDevToken(key, { tenant: TENANT, roles: ['operator'] });
  const result: CrashRunResult = {
    seed,
    point: point.name,
    reached: false,
    orphans: [],
    duplicates: [],
    stuck: [],
    keyViolations: [],
    outcome: [],
    answers: [],
    wallMs: 0,
    settleMs: 0,
  };
  let running: BrokerProcess | undefined;
  try {
    running = await startBrokerProcess(dataDir);
    const first = running;
    const prepared = await prepare(point.scenario, first.base, app);
    const name = `crash-${seed}`;
    const request = requestFor(point.scenario, prepared, name);
    const idempotencyKey = `crash-key-${seed}`;
    if (point.fault) {
      const armed = await call(first.base, admin, 'PUT', `/v1/sandbox/targets/${TARGET}/faults`, {
        body: { rules: [{ type: 'crash', count: 1, ...point.fault }] },
      });
      if (armed?.status !== 200) throw new Error(`could not arm the crash: ${JSON.stringify(armed)}`);
    } else {
      // Half the random kills land within the request itself (store writes), half anywhere in the flow.
      const delay = Math.floor(rnd() < 0.5 ? rnd() * 150 : rnd() * 1500);
      setTimeout(() => void killBroker(first), delay);
      result.point = `${point.name}@${delay}ms`;
    }
    const answer = await call(first.base, app, request.method, request.path, {
      body: request.body,
      idempotencyKey,
      timeoutMs: 20_000,
    });
    result.answers.push(answer ? String(answer.status) : 'none');
    result.reached = point.fault ? await endsWithin(first, 20_000) : true;
    await killBroker(first);

    running = await startBrokerProcess(dataDir);
    const second = running;
    // A client without an answer retries with the same key; some retry anyway (a timed-out client).
    let final: Reply | undefined = answer;
    if (!answer || answer.status >= 500 || rnd() < 0.25) {
      final = await retry(second.base, app, request, idempotencyKey, result);
    }
    const settleStarted = Date.now();
    await settle(second.base, app, options.settleMs ?? 30_000);
    const report = await call(second.base, admin, 'POST', '/v1/admin/reconcile', {
      body: { orphanGraceMs: 0 },
    });
    result.reconcile = report?.body;
    await settle(second.base, app, 10_000);
    result.settleMs = Date.now() - settleStarted;
    await killBroker(second);

    const store = await readStore(dataDir, TENANT);
    Object.assign(result, findViolations(store, readCloud(dataDir)));
    checkKeyAndOutcome(point.scenario, store, prepared, name, final, result);
  } catch (error) {
    result.outcome.push(`run error: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    if (running) await killBroker(running);
    if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
    else result.outcome.push(`data kept in ${dataDir}`);
    result.wallMs = Date.now() - started;
  }
  return result;
}

interface Request {
  method: string;
  path: string;
  body?: unknown;
}

function requestFor(scenario: Scenario, prepared: Prepared, name: string): Request {
  switch (scenario) {
    case 'vmCreate':
      return { method: 'POST', path: '/v1/vms', body: vmBody(name) };
    case 'vmDelete':
      return { method: 'DELETE', path: `/v1/vms/${prepared.vmId}` };
    case 'volumeAttach':
      return {
        method: 'POST',
        path: `/v1/volumes/${prepared.volumeId}/attach`,
        body: { vmId: prepared.vmId },
      };
    case 'snapshot':
      return { method: 'POST', path: `/v1/volumes/${prepared.volumeId}/snapshots`, body: { name } };
  }
}

const vmBody = (name: string) => ({ name, size: 'small', image: 'ubuntu-24.04', ...PLACED });

/** Creates (and waits for) what the flow acts on, before the crash is armed. */
async function prepare(scenario: Scenario, base: string, token: string): Promise<Prepared> {
  const prepared: Prepared = {};
  if (scenario !== 'vmCreate' && scenario !== 'snapshot') {
    const vm = await expectAccepted(call(base, token, 'POST', '/v1/vms', { body: vmBody('subject') }));
    prepared.vmId = vm.vm.id;
  }
  if (scenario === 'volumeAttach' || scenario === 'snapshot') {
    const volume = await expectAccepted(
      call(base, token, 'POST', '/v1/volumes', { body: { name: 'subject', sizeGiB: 1, ...PLACED } }),
    );
    prepared.volumeId = volume.volume.id;
  }
  await settle(base, token, 30_000);
  return prepared;
}

async function expectAccepted(reply: Promise<Reply | undefined>) {
  const answer = await reply;
  if (answer?.status !== 202) throw new Error(`preparation refused: ${JSON.stringify(answer)}`);
  return answer.body;
}

/** Retries with the same key until the answer is not "still in progress" (a crashed first request). */
async function retry(
  base: string,
  token: string,
  request: Request,
  idempotencyKey: string,
  result: CrashRunResult,
): Promise<Reply | undefined> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await call(base, token, request.method, request.path, {
      body: request.body,
      idempotencyKey,
    });
    result.answers.push(
      answer ? `${answer.status}${answer.body?.code ? ` ${answer.body.code}` : ''}` : 'none',
    );
    if (answer?.status !== 409 || answer.body?.code !== 'idempotency.inProgress' || Date.now() > deadline)
      return answer;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const BUSY_VM = new Set(['pending', 'building', 'deleting', 'resizing']);
const BUSY_VOLUME = new Set(['pending', 'creating', 'attaching', 'detaching', 'deleting']);
const BUSY_SNAPSHOT = new Set(['pending', 'creating', 'deleting']);

/** Waits (bounded) until nothing of the tenant is in a transitional state. */
async function settle(base: string, token: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const vms = await call(base, token, 'GET', '/v1/vms?limit=100');
    const volumes = await call(base, token, 'GET', '/v1/volumes?limit=100');
    let busy = !vms || !volumes;
    for (const vm of vms?.body?.items ?? []) if (BUSY_VM.has(vm.status) || vm.task) busy = true;
    for (const volume of volumes?.body?.items ?? []) {
      if (BUSY_VOLUME.has(volume.status) || volume.task) busy = true;
      const snapshots = await call(base, token, 'GET', `/v1/volumes/${volume.id}/snapshots?limit=100`);
      for (const snapshot of snapshots?.body?.items ?? [])
        if (BUSY_SNAPSHOT.has(snapshot.status)) busy = true;
    }
    if (!busy) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every Idempotency-Key → exactly one resource (or operation), and the flow ended as it should. */
function checkKeyAndOutcome(
  scenario: Scenario,
  store: StoreContents,
  prepared: Prepared,
  name: string,
  final: Reply | undefined,
  result: CrashRunResult,
): void {
  const opsOn = (kind: string, id: string) =>
    store.operations.filter((op) => op.kind === kind && (op.resource.id === id || op.input.vmId === id));
  switch (scenario) {
    case 'vmCreate': {
      const made = store.vms.filter((vm) => vm.name === name);
      if (made.length !== 1)
        result.keyViolations.push(`${made.length} VMs for one key (${made.map((v) => v.id)})`);
      if (made.length > 1) result.duplicates.push(`${made.length} VM records for one Idempotency-Key`);
      for (const vm of made) if (vm.status !== 'active') result.outcome.push(`VM ${vm.id} is ${vm.status}`);
      break;
    }
    case 'vmDelete': {
      const ops = opsOn('vm.delete', prepared.vmId!);
      if (ops.length !== 1) result.keyViolations.push(`${ops.length} delete operations for one key`);
      const vm = store.vms.find((v) => v.id === prepared.vmId);
      if (vm?.status !== 'deleted') result.outcome.push(`VM ${prepared.vmId} is ${vm?.status}`);
      break;
    }
    case 'volumeAttach': {
      const ops = store.operations.filter(
        (op) => op.kind === 'volume.attach' && op.resource.id === prepared.volumeId,
      );
      if (ops.length !== 1) result.keyViolations.push(`${ops.length} attach operations for one key`);
      const volume = store.volumes.find((v) => v.id === prepared.volumeId);
      if (volume?.status !== 'in-use' || volume.attachment?.vmId !== prepared.vmId)
        result.outcome.push(
          `volume ${prepared.volumeId} is ${volume?.status}, attached to ${volume?.attachment?.vmId}`,
        );
      break;
    }
    case 'snapshot': {
      const made = store.snapshots.filter((s) => s.name === name);
      if (made.length !== 1)
        result.keyViolations.push(`${made.length} snapshots for one key (${made.map((s) => s.id)})`);
      if (made.length > 1) result.duplicates.push(`${made.length} snapshot records for one Idempotency-Key`);
      for (const s of made)
        if (s.status !== 'available') result.outcome.push(`snapshot ${s.id} is ${s.status}`);
      break;
    }
  }
  // An operation whose record was never written (the crash came between the two writes) fails by design.
  const records = new Set([...store.vms, ...store.volumes, ...store.snapshots].map((r) => r.id));
  const failed = store.operations.filter((op) => op.status === 'failed' && records.has(op.resource.id));
  for (const op of failed) result.outcome.push(`operation ${op.id} (${op.kind}) failed: ${op.error?.code}`);
  if (
    final &&
    final.status >= 400 &&
    !(final.status === 409 && scenario !== 'vmCreate' && scenario !== 'snapshot')
  )
    result.outcome.push(`the request's final answer was ${final.status} ${final.body?.code ?? ''}`);
}
