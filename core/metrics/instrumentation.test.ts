import { describe, expect, it } from 'vitest';
import { BrokerError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import type { CloudProvider, ProviderRegistry } from '../ports/cloud/provider.ts';
import { BrokerMetrics, type MetricId } from '../ports/metrics.ts';
import type { OperationRepository } from '../ports/repositories.ts';
import { ALWAYS_HEALTHY, type CircuitState } from '../ports/target-health.ts';
import { measuredAuthorizer, measuredHealth, measuredOperations } from './instrumentation.ts';
import { measuredProviders } from './measured-providers.ts';

/** Every observation, as `id labels value`, in order. */
function recording() {
  const seen: { id: MetricId; labels: Record<string, string>; value: number }[] = [];
  const push = (id: MetricId, labels: Record<string, string>, value: number) =>
    seen.push({ id, labels, value });
  return { seen, metrics: new BrokerMetrics({ add: push, set: push }) };
}

const clock = { now: () => new Date('2026-12-03T12:00:10Z') };

function operation(status: Operation['status'], deadline = '2026-12-03T13:00:00Z'): Operation {
  return {
    id: 'op-1',
    tenant: 't',
    kind: 'vm.create',
    resource: { type: 'vm', id: 'vm-1' },
    status,
    step: 'create',
    steps: [],
    input: {},
    triedTargets: [],
    attempts: 0,
    createdAt: '2026-12-03T12:00:00Z',
    updatedAt: '2026-12-03T12:00:00Z',
    deadline,
    version: 1,
  } as unknown as Operation;
}

describe('operations observed where they are written', () => {
  const store = (saveFails = false) => {
    const repo: OperationRepository & { extra(): string } = {
      create: async () => {},
      get: async () => undefined,
      save: async (op) => {
        if (saveFails) throw new BrokerError('operation.versionConflict', 'lost the race');
        return op;
      },
      listUnfinished: async () => [operation('running', '2026-12-03T12:00:05Z'), operation('pending')],
      extra: () => 'passed through',
    };
    return repo;
  };

  it('counts an operation once when it is saved finished, with its time since acceptance', async () => {
    const { seen, metrics } = recording();
    const ops = measuredOperations(store(), metrics, clock);
    await ops.save(operation('running'));
    expect(seen).toEqual([]);
    await ops.save(operation('succeeded'));
    expect(seen).toEqual([
      { id: 'operations', labels: { kind: 'vm.create', outcome: 'succeeded' }, value: 1 },
      { id: 'operationDuration', labels: { kind: 'vm.create', outcome: 'succeeded' }, value: 10 },
    ]);
  });

  it('does not count a save that lost the race, and passes other methods through', async () => {
    const { seen, metrics } = recording();
    const ops = measuredOperations(store(true), metrics, clock);
    await expect(ops.save(operation('failed'))).rejects.toThrow('lost the race');
    expect(seen).toEqual([]);
    expect(ops.extra()).toBe('passed through');
  });

  it('reports how many unfinished operations are past their deadline', async () => {
    const { seen, metrics } = recording();
    await measuredOperations(store(), metrics, clock).listUnfinished(10);
    expect(seen).toEqual([{ id: 'operationsOverdue', labels: {}, value: 1 }]);
  });
});

describe('cloud calls timed around every provider service', () => {
  class Compute {
    readonly #servers = ['s-1', 's-2', 's-3'];
    async getServer(id: string) {
      if (!this.#servers.includes(id)) throw new BrokerError('sandbox.notFound', 'no such server');
      return { id };
    }
    async *listServers() {
      for (const id of this.#servers) yield { id };
    }
  }
  const registry = (): ProviderRegistry => {
    const provider = {
      target: { id: 'onprem-a' },
      capabilities: new Set(),
      compute: new Compute(),
      health: async () => ({ status: 'healthy', checkedAt: '' }),
    } as unknown as CloudProvider;
    return { get: () => provider, all: () => [provider] };
  };
  const calls = (seen: ReturnType<typeof recording>['seen']) =>
    seen.filter((s) => s.id === 'cloudCalls').map((s) => s.labels);

  it('counts calls by target, service and outcome (the error code), on the original object', async () => {
    const { seen, metrics } = recording();
    const compute = measuredProviders(registry(), metrics).get('onprem-a').compute as unknown as Compute;
    await compute.getServer('s-1');
    await expect(compute.getServer('s-9')).rejects.toThrow('no such server');
    expect(calls(seen)).toEqual([
      { target: 'onprem-a', service: 'compute', outcome: 'ok' },
      { target: 'onprem-a', service: 'compute', outcome: 'sandbox.notFound' },
    ]);
  });

  it('keeps the provider itself: its own clients, instanceof, and its limits (measured too)', async () => {
    class OwnProvider {
      readonly target = { id: 'onprem-b', cloud: 'openstack' };
      readonly capabilities = new Set();
      readonly compute = new Compute();
      readonly #glance = { kind: 'glance client' };
      get glance() {
        return this.#glance;
      }
      async health() {
        return { status: 'healthy', checkedAt: '' };
      }
      async limits() {
        return { source: 'openstack', resources: {} };
      }
    }
    const own = new OwnProvider();
    const registryOf = { get: () => own, all: () => [own] } as unknown as ProviderRegistry;
    const { seen, metrics } = recording();
    const measured = measuredProviders(registryOf, metrics).get('onprem-b');
    // Another target's connector of the same cloud reads its client to copy an image between them.
    expect((measured as unknown as OwnProvider).glance).toEqual({ kind: 'glance client' });
    expect(measured).toBeInstanceOf(OwnProvider);
    expect(await measured.limits!()).toEqual({ source: 'openstack', resources: {} });
    expect(calls(seen)).toEqual([{ target: 'onprem-b', service: 'limits', outcome: 'ok' }]);
  });

  it('counts a listing once, when it ends or the caller stops early', async () => {
    const { seen, metrics } = recording();
    const compute = measuredProviders(registry(), metrics).all()[0]!.compute as unknown as Compute;
    const all = [];
    for await (const s of compute.listServers()) all.push(s);
    expect(all).toHaveLength(3);
    for await (const _ of compute.listServers()) break;
    expect(calls(seen)).toEqual([
      { target: 'onprem-a', service: 'compute', outcome: 'ok' },
      { target: 'onprem-a', service: 'compute', outcome: 'ok' },
    ]);
  });
});

describe('policy denials', () => {
  it('are counted by the deciding policy; allowed requests are not', () => {
    const { seen, metrics } = recording();
    const authorizer = measuredAuthorizer(
      {
        authorize: (r) =>
          r.action === 'vm.read'
            ? { allowed: true, policies: ['api.tenant-view'], reasons: [] }
            : { allowed: false, policies: ['builtin.default-deny'], reasons: [] },
      },
      metrics,
    );
    const principal = { sub: 's', tenant: 't', roles: [] };
    authorizer.authorize({ principal, action: 'vm.read', resource: { type: 'vm', tenant: 't' } });
    authorizer.authorize({ principal, action: 'metrics.read', resource: { type: 'target', tenant: 't' } });
    expect(seen).toEqual([{ id: 'policyDenials', labels: { policy: 'builtin.default-deny' }, value: 1 }]);
  });
});

describe('observing never fails the work observed', () => {
  it('drops values that are not numbers and swallows a failing sink', () => {
    const seen: number[] = [];
    new BrokerMetrics({ add: (_, __, v) => seen.push(v), set: () => {} }).operationFinished(
      'vm.create',
      'failed',
      Number.NaN,
    );
    expect(seen).toEqual([1]); // the count, not the NaN duration
    const throwing = new BrokerMetrics({
      add: () => {
        throw new RangeError('sink down');
      },
      set: () => {
        throw new RangeError('sink down');
      },
    });
    expect(() => throwing.requestCompleted('/v1/vms', 'GET', 200, 3)).not.toThrow();
    expect(() => throwing.targetHealth('a', 'open', false)).not.toThrow();
  });
});

describe('target health', () => {
  it('is reported on a change at once, and unchanged at most once a minute', async () => {
    const { seen, metrics } = recording();
    let circuit: CircuitState = 'closed';
    let time = 0;
    const health = measuredHealth(
      { ...ALWAYS_HEALTHY, state: () => circuit },
      metrics,
      ['a', 'b'],
      () => time,
    );
    const reports = () =>
      seen.filter((s) => s.id === 'circuitOpen').map((s) => `${s.labels.target}=${s.value}`);
    await health.refresh();
    await health.refresh();
    expect(reports()).toEqual(['a=0', 'b=0']);
    circuit = 'open';
    await health.recordFailure('a', 'sandbox.unavailable');
    expect(reports()).toEqual(['a=0', 'b=0', 'a=1']);
    time = 60_000;
    await health.refresh();
    expect(reports()).toEqual(['a=0', 'b=0', 'a=1', 'a=1', 'b=1']);
  });
});
