import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { KeyBinding, KeyBindings } from '../ports/idempotency.ts';
import { type CreateOnceSpec, createOnce } from './create-once.ts';
import { newOperation } from './new-operation.ts';

class Crash extends Error {}

interface Thing {
  id: string;
  tenant: string;
  status: 'pending' | 'error';
  operationId: string;
}

/**
 * The stores in memory, with conditional creates like DynamoDB's, and a crash injected at the n-th
 * write: `before` it happens, or `after` (the write landed, the process died before going on).
 */
function world() {
  const bindings = new Map<string, KeyBinding>();
  const ops = new Map<string, Operation>();
  const things = new Map<string, Thing>();
  const queued: string[] = [];
  let writes = 0;
  let crash: { at: number; when: 'before' | 'after' } | undefined;
  const write = async (apply: () => void) => {
    writes += 1;
    if (crash?.at === writes && crash.when === 'before') throw new Crash();
    apply();
    if (crash?.at === writes && crash.when === 'after') throw new Crash();
  };
  const deps = {
    bindings: {
      get: async (_tenant, scope) => bindings.get(scope),
      bind: async (_tenant, scope, binding) => {
        if (bindings.has(scope)) return false;
        await write(() => bindings.set(scope, binding));
        return true;
      },
    } satisfies KeyBindings,
    operations: {
      get: async (_tenant: string, id: string) => structuredClone(ops.get(id)),
      create: async (op: Operation) => {
        if (ops.has(op.id)) throw new BrokerError('operation.alreadyExists', 'exists');
        await write(() => ops.set(op.id, structuredClone(op)));
      },
      save: async (op: Operation) => op,
      listUnfinished: async () => [],
    },
    queue: { enqueue: async (ref: { operationId: string }) => write(() => queued.push(ref.operationId)) },
  };
  const decision = { chosen: { targetId: 't1' }, candidates: [] } as unknown as PlacementDecision;
  const spec = (fingerprint = 'f1', preparesPurely = false): CreateOnceSpec<Thing> => ({
    tenant: 't',
    preparesPurely,
    idempotency: { scope: 'alice/key-1', fingerprint },
    prefix: 'vm',
    prepare: async (ids, recorded) => ({
      resource: { id: ids.resourceId, tenant: 't', status: 'pending', operationId: ids.operationId },
      operation: newOperation({
        id: ids.operationId,
        kind: 'thing.create',
        tenant: 't',
        resource: { type: 'vm', id: ids.resourceId },
        firstStep: 'provision',
        requestedBy: 'alice',
        requestId: 'req-1',
        now: new Date(),
        deadlineMs: 60_000,
        placement: recorded ?? decision,
      }),
      decision: recorded ?? decision,
    }),
    resources: {
      get: async (_tenant, id) => structuredClone(things.get(id)),
      create: async (thing) => {
        if (things.has(thing.id)) throw new BrokerError('thing.alreadyExists', 'exists');
        await write(() => things.set(thing.id, structuredClone(thing)));
      },
    },
    failed: (thing) => ({ ...thing, status: 'error' }),
  });
  return {
    deps,
    spec,
    bindings,
    ops,
    things,
    queued,
    crashAt(at: number, when: 'before' | 'after') {
      writes = 0;
      crash = { at, when };
    },
    noCrash() {
      crash = undefined;
    },
  };
}

describe('createOnce: one resource per Idempotency-Key, whatever moment a crash hits (I4)', () => {
  // Writes of a create: bind the key, the operation, the resource, the queue message.
  const moments = [1, 2, 3, 4].flatMap((at) =>
    (['before', 'after'] as const).flatMap((when) => [false, true].map((pure) => ({ at, when, pure }))),
  );

  it.each(moments)(
    'crash at write $at ($when it lands), re-send: the one resource, its operation queued (pure prepare: $pure)',
    async ({ at, when, pure }) => {
      const w = world();
      w.crashAt(at, when);
      await expect(createOnce(w.deps, w.spec('f1', pure))).rejects.toBeInstanceOf(Crash);
      w.noCrash();
      const again = await createOnce(w.deps, w.spec('f1', pure));
      const resend = await createOnce(w.deps, w.spec('f1', pure));
      expect([...w.things.keys()]).toEqual([again.resource.id]);
      expect([...w.ops.values()].map((op) => op.resource.id)).toEqual([again.resource.id]);
      expect(resend.resource.id).toBe(again.resource.id);
      expect(again.operation.id).toBe(again.resource.operationId);
      expect(w.queued).toContain(again.operation.id);
      if (at > 1 || when === 'after')
        expect(again.resource.id).toBe(w.bindings.get('alice/key-1')!.resourceId);
    },
  );

  it('a re-send after the worker already failed the orphaned operation records the resource as failed', async () => {
    const w = world();
    w.crashAt(2, 'after'); // the operation landed, the resource never did
    await expect(createOnce(w.deps, w.spec())).rejects.toBeInstanceOf(Crash);
    const op = [...w.ops.values()][0]!;
    w.ops.set(op.id, { ...op, status: 'failed', error: { code: 'vm.missing', message: 'no record' } });
    w.noCrash();
    const again = await createOnce(w.deps, w.spec());
    expect(again.resource).toMatchObject({ id: op.resource.id, status: 'error' });
    expect(again.operation.status).toBe('failed');
    expect(w.things.size).toBe(1);
    expect(w.queued).not.toContain(op.id);
  });

  it('the same key with another request is refused, even once its stored answer is gone', async () => {
    const w = world();
    await createOnce(w.deps, w.spec('f1'));
    await expect(createOnce(w.deps, w.spec('f2'))).rejects.toMatchObject({ code: 'idempotency.keyReused' });
    expect(w.things.size).toBe(1);
  });

  it('concurrent requests with one key create one resource', async () => {
    const w = world();
    const replies = await Promise.all(Array.from({ length: 6 }, () => createOnce(w.deps, w.spec())));
    expect(new Set(replies.map((r) => r.resource.id)).size).toBe(1);
    expect(w.things.size).toBe(1);
    expect(w.ops.size).toBe(1);
  });

  it('a pure preparation runs alongside the key lookup; once the key is bound its refusal is dropped', async () => {
    const w = world();
    const first = await createOnce(w.deps, w.spec('f1', true));
    const events: string[] = [];
    const lookup = w.deps.bindings.get;
    w.deps.bindings.get = async (tenant, scope) => {
      events.push('lookup started');
      const found = await lookup(tenant, scope);
      events.push('lookup done');
      return found;
    };
    const refusing: CreateOnceSpec<Thing> = {
      ...w.spec('f1', true),
      prepare: async () => {
        events.push('prepare started');
        throw new BrokerError('quota.exceeded', 'full now');
      },
    };
    const again = await createOnce(w.deps, refusing);
    expect(again.resource.id).toBe(first.resource.id);
    expect(events).toEqual(['prepare started', 'lookup started', 'lookup done']);
    // Unbound, the same refusal is the answer and nothing is written.
    const { idempotency: _, ...rest } = refusing;
    await expect(
      createOnce(w.deps, { ...rest, idempotency: { scope: 'alice/key-2', fingerprint: 'f1' } }),
    ).rejects.toMatchObject({ code: 'quota.exceeded' });
    expect(w.bindings.has('alice/key-2')).toBe(false);
    expect(w.things.size).toBe(1);
  });

  it('without a key, every request creates', async () => {
    const w = world();
    const { idempotency: _, ...unkeyed } = w.spec();
    await createOnce(w.deps, unkeyed);
    await createOnce(w.deps, unkeyed);
    expect(w.things.size).toBe(2);
    expect(w.bindings.size).toBe(0);
  });
});
