import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import type { KeyBinding, KeyBindings } from '../ports/idempotency.ts';
import { resumeKeyed, startClaimedOperation } from './claimed-operation.ts';
import { newOperation } from './new-operation.ts';

class Crash extends Error {}

interface Thing {
  id: string;
  status: 'active' | 'deleting';
  activeOperationId?: string;
}

/**
 * A delete on an existing thing, keyed, with the stores in memory and a crash injected at the n-th write
 * (bind, claim, operation, enqueue): whatever the moment, a re-send ends with one operation, claimed.
 */
function world(crashAt?: number) {
  const bindings = new Map<string, KeyBinding>();
  const ops = new Map<string, Operation>();
  const thing: Thing = { id: 'vm-1', status: 'active' };
  let writes = 0;
  /** The process died: nothing it would still do (such as giving the claim back) happens. */
  let dead = false;
  const write = async (apply: () => void) => {
    writes += 1;
    apply();
    if (writes === crashAt) {
      dead = true;
      throw new Crash();
    }
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
    queue: { enqueue: async () => write(() => undefined) },
  };
  const idempotency = { scope: 'alice/key-1', fingerprint: 'f1' };
  const build = (id: string) =>
    newOperation({
      id,
      kind: 'vm.delete',
      tenant: 't',
      resource: { type: 'vm', id: thing.id },
      firstStep: 'deleteServer',
      input: {},
      requestedBy: 'alice',
      requestId: 'req-1',
      now: new Date(0),
      deadlineMs: 60_000,
    });
  /** The service's path: resume what the key started, else check the state and claim. */
  const request = async () => {
    const keyed = await resumeKeyed(deps, {
      tenant: 't',
      resourceId: thing.id,
      idempotency,
      current: async () => ({ ...thing }),
      build,
    });
    if (keyed.kind === 'started') return keyed.operation;
    if (thing.status !== 'active') throw new BrokerError('vm.invalidState', `VM is ${thing.status}`);
    const operation = build(keyed.operationId);
    const started = await startClaimedOperation({
      ...deps,
      operation,
      ...(keyed.bind ? { bind: { bindings: deps.bindings, resourceId: thing.id, idempotency } } : {}),
      claim: () =>
        write(() => Object.assign(thing, { status: 'deleting', activeOperationId: operation.id })).then(
          () => thing,
        ),
      release: async () => {
        if (!dead) Object.assign(thing, { status: 'active', activeOperationId: undefined });
      },
    });
    return started.operation;
  };
  return { request, ops, thing };
}

describe('resumeKeyed: an action on an existing resource, once per Idempotency-Key', () => {
  for (const crashAt of [1, 2, 3, 4])
    it(`a re-send after a crash at write ${crashAt} (bind, claim, operation, enqueue) finishes the same operation`, async () => {
      const w = world(crashAt);
      await expect(w.request()).rejects.toBeInstanceOf(Crash);
      const operation = await w.request();
      expect(w.ops.size).toBe(1);
      expect(w.ops.get(operation.id)?.kind).toBe('vm.delete');
      expect(w.thing).toMatchObject({ status: 'deleting', activeOperationId: operation.id });
      // And again: the same answer, nothing new.
      expect((await w.request()).id).toBe(operation.id);
      expect(w.ops.size).toBe(1);
    });

  it('refuses the key with another request', async () => {
    const w = world();
    await w.request();
    await expect(
      resumeKeyed(
        {
          bindings: {
            get: async () => ({ resourceId: 'vm-1', operationId: 'op-x', fingerprint: 'other' }),
            bind: async () => true,
          },
          operations: {
            get: async () => undefined,
            create: async () => {},
            save: async (o: Operation) => o,
            listUnfinished: async () => [],
          },
          queue: { enqueue: async () => {} },
        },
        {
          tenant: 't',
          resourceId: 'vm-1',
          idempotency: { scope: 's', fingerprint: 'f1' },
          current: async () => w.thing,
          build: () => {
            throw new Error('unused');
          },
        },
      ),
    ).rejects.toMatchObject({ code: 'idempotency.keyReused' });
  });
});
