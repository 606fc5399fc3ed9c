import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/ports/clock.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { Reconciler } from '../../core/reconcile/reconciler.ts';
import { MemoryVmRepository } from '../support/memory-vm-repository.ts';
import {
  fleet,
  type InventoryStub,
  startInventoryStub,
  stubProvider,
} from '../support/openstack-inventory-stub.ts';
import { RecordingEventSink } from '../support/recording-event-sink.ts';

const TARGET = 'openstack-stub';
const SERVERS = 10_000;

/**
 * The scale of one pass: 10,000 servers on one OpenStack target (an HTTP stub of Nova's listing on
 * 127.0.0.1) are listed in at most 11 calls — 1,000 a page, pagination inside the connector — and the
 * broker's records are read a page at a time, never once per server. Timings are in bench/.
 */
describe('a reconcile pass over 10,000 servers', () => {
  let stub: InventoryStub;
  const { servers, vms, drifted } = fleet(SERVERS, TARGET);
  beforeAll(async () => {
    stub = await startInventoryStub(servers);
  });
  afterAll(() => stub.close());

  it('pages through Nova in ≤ 11 list calls, reads records by page, and finds every drifted VM', async () => {
    const repository = new MemoryVmRepository(1000);
    for (const vm of vms) await repository.create(vm);
    const provider = stubProvider(stub, TARGET);
    const registry = { get: (): CloudProvider => provider, all: () => [provider] };
    const events = new RecordingEventSink();
    const report = await new Reconciler({
      vms: repository,
      operations: {
        create: async () => {},
        get: async () => undefined,
        save: async (op) => op,
        listUnfinished: async () => [],
      },
      queue: { enqueue: async () => {} },
      providers: registry,
      clock: systemClock,
      log: silentLogger,
      events,
    }).run();

    expect(report).toMatchObject({ errors: 0, drifted, orphansFound: 0, orphansDeleted: 0 });
    expect(stub.listCalls()).toBeGreaterThanOrEqual(10);
    expect(stub.listCalls()).toBeLessThanOrEqual(11);
    expect(repository.reads.scanPages).toBe(SERVERS / 1000);
    // Only the drifted VMs are read again (fresh, before acting) and written.
    expect(repository.reads.gets).toBe(drifted);
    expect(repository.reads.findById).toBe(0);
    expect(repository.reads.updates).toBe(drifted);
    expect(events.of('drift.detected')).toHaveLength(drifted);
    // No call per server: besides the listing, only the token and one probe per service.
    const total = [...stub.calls.values()].reduce((a, b) => a + b, 0);
    expect(total - stub.listCalls()).toBeLessThanOrEqual(10);
  });
});
