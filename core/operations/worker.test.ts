import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import { CircuitBreakerHealth } from '../placement/circuit-breaker.ts';
import type { BucketRepository } from '../ports/bucket-repository.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { ImageRepository } from '../ports/image-repository.ts';
import type { LinkRepository } from '../ports/link-repository.ts';
import { silentLogger } from '../ports/logger.ts';
import type { NetworkRepository } from '../ports/network-repository.ts';
import type { OperationRepository, VmRepository } from '../ports/repositories.ts';
import type { SnapshotRepository, VolumeRepository } from '../ports/volume-repositories.ts';
import { newOperation } from './new-operation.ts';
import type { OperationDefinition, StepOutcome } from './step.ts';
import { OperationWorker, RECORD_GRACE_MS } from './worker.ts';

/** Operations in memory with the same optimistic-concurrency rule as the DynamoDB store. */
class MemoryOperations implements OperationRepository {
  readonly ops = new Map<string, Operation>();
  async create(op: Operation) {
    this.ops.set(op.id, structuredClone(op));
  }
  async get(_tenant: string, id: string) {
    const op = this.ops.get(id);
    return op && structuredClone(op);
  }
  async save(op: Operation) {
    if (this.ops.get(op.id)?.version !== op.version)
      throw new BrokerError('operation.versionConflict', 'conflict');
    const next = { ...structuredClone(op), version: op.version + 1 };
    this.ops.set(op.id, next);
    return structuredClone(next);
  }
  async listUnfinished() {
    return [...this.ops.values()].filter((o) => o.status === 'pending' || o.status === 'running');
  }
}

function setup(steps: OperationDefinition['steps'], options: { now?: () => number; kind?: string } = {}) {
  const operations = new MemoryOperations();
  const queued: { operationId: string; delayMs: number }[] = [];
  const clock = { now: () => new Date(options.now?.() ?? Date.now()) };
  const deps = {
    vms: {} as VmRepository,
    buckets: {} as BucketRepository,
    networks: {} as NetworkRepository,
    links: {} as LinkRepository,
    images: {} as ImageRepository,
    volumes: {} as VolumeRepository,
    snapshots: {} as SnapshotRepository,
    operations,
    queue: {
      enqueue: async (ref: { operationId: string }, delayMs = 0) =>
        void queued.push({ operationId: ref.operationId, delayMs }),
    },
    providers: {} as ProviderRegistry,
    health: new CircuitBreakerHealth(clock),
    clock,
    log: silentLogger,
  };
  const failures: string[] = [];
  const definition: OperationDefinition = {
    kinds: ['test.op', 'test.create'],
    steps,
    onFailed: async (_ctx, error) => void failures.push(error.code),
  };
  const op = newOperation({
    kind: options.kind ?? 'test.op',
    tenant: 't',
    resource: { type: 'vm', id: 'vm-x' },
    firstStep: 'one',
    requestedBy: 's',
    requestId: 'r',
    now: clock.now(),
    deadlineMs: 60_000,
  });
  const worker = (id: string) => new OperationWorker(deps, [definition], { workerId: id, maxRetries: 2 });
  return { operations, queued, failures, op, worker };
}

describe('OperationWorker', () => {
  it('lets a young create operation wait for its resource record (a crash came in between), then fails it', async () => {
    const now = Date.now();
    const missing = async (): Promise<StepOutcome> => {
      throw new BrokerError('vm.missing', 'no record');
    };
    const { operations, op, worker, queued, failures } = setup(
      { one: missing },
      { kind: 'test.create', now: () => now },
    );
    await operations.create(op);
    await worker('w1').run({ tenant: 't', operationId: op.id });
    expect(operations.ops.get(op.id)!.status).toBe('running');
    expect(queued.at(-1)).toMatchObject({ operationId: op.id });
    const stored = operations.ops.get(op.id)!;
    stored.createdAt = new Date(now - RECORD_GRACE_MS).toISOString();
    await worker('w1').run({ tenant: 't', operationId: op.id });
    expect(operations.ops.get(op.id)!).toMatchObject({ status: 'failed', error: { code: 'vm.missing' } });
    expect(failures).toEqual(['vm.missing']);
  });

  it('fails other operations whose record is missing at once', async () => {
    const { operations, op, worker } = setup({
      one: async () => {
        throw new BrokerError('vm.missing', 'no record');
      },
    });
    await operations.create(op);
    await worker('w1').run({ tenant: 't', operationId: op.id });
    expect(operations.ops.get(op.id)!.status).toBe('failed');
  });

  it('runs steps in order and records each', async () => {
    const { operations, op, worker } = setup({
      one: async () => ({ type: 'next', step: 'two', note: 'did one' }),
      two: async () => ({ type: 'done', result: { answer: '42' } }),
    });
    await operations.create(op);
    await worker('w1').run({ tenant: 't', operationId: op.id });
    const done = operations.ops.get(op.id)!;
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ answer: '42' });
    expect(done.steps.map((s) => [s.name, s.status, s.note])).toEqual([
      ['one', 'succeeded', 'did one'],
      ['two', 'succeeded', undefined],
    ]);
    expect(done.lease).toBeUndefined();
  });

  it('lets only one of two concurrent deliveries run a step (lease + version)', async () => {
    let calls = 0;
    const { operations, op, worker } = setup({
      one: async (): Promise<StepOutcome> => {
        calls += 1;
        await new Promise((r) => setTimeout(r, 30));
        return { type: 'done' };
      },
    });
    await operations.create(op);
    const ref = { tenant: 't', operationId: op.id };
    await Promise.all([worker('w1').run(ref), worker('w2').run(ref)]);
    expect(calls).toBe(1);
    expect(operations.ops.get(op.id)!.status).toBe('succeeded');
  });

  it('waits by re-enqueueing with a delay, then resumes the same step', async () => {
    let polls = 0;
    const { operations, op, queued, worker } = setup({
      one: async () => (++polls < 3 ? { type: 'wait', delayMs: 250 } : { type: 'done' }),
    });
    await operations.create(op);
    const w = worker('w1');
    for (let i = 0; i < 3; i++) await w.run({ tenant: 't', operationId: op.id });
    expect(queued).toEqual([
      { operationId: op.id, delayMs: 250 },
      { operationId: op.id, delayMs: 250 },
    ]);
    const done = operations.ops.get(op.id)!;
    expect(done.status).toBe('succeeded');
    expect(done.steps[0]!.attempts).toBe(3);
  });

  it('retries retryable errors with backoff, then fails and calls onFailed', async () => {
    const { operations, op, failures, queued, worker } = setup({
      one: async () => {
        throw new BrokerError('openstack.unavailable', 'down');
      },
    });
    await operations.create(op);
    const w = worker('w1');
    for (let i = 0; i < 3; i++) await w.run({ tenant: 't', operationId: op.id });
    expect(queued.map((q) => q.delayMs)).toEqual([1000, 2000]);
    const failed = operations.ops.get(op.id)!;
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('openstack.unavailable');
    expect(failures).toEqual(['openstack.unavailable']);
  });

  it('fails at once on a non-retryable error, and past the deadline', async () => {
    const first = setup({
      one: async () => {
        throw new BrokerError('openstack.invalidRequest', 'bad flavor');
      },
    });
    await first.operations.create(first.op);
    await first.worker('w1').run({ tenant: 't', operationId: first.op.id });
    expect(first.operations.ops.get(first.op.id)!.error?.code).toBe('openstack.invalidRequest');

    let now = Date.now();
    const late = setup({ one: async () => ({ type: 'wait', delayMs: 10 }) }, { now: () => now });
    await late.operations.create(late.op);
    await late.worker('w1').run({ tenant: 't', operationId: late.op.id });
    now += 61_000;
    await late.worker('w1').run({ tenant: 't', operationId: late.op.id });
    expect(late.operations.ops.get(late.op.id)!.error?.code).toBe('operation.timedOut');
    expect(late.failures).toEqual(['operation.timedOut']);
  });
});
