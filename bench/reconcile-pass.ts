/**
 * `npm run bench:reconcile`: one reconcile pass over 10,000 servers on one OpenStack target — an HTTP stub
 * of Nova's listing (and the health probes) on 127.0.0.1, served by the real connector — against the
 * broker's records held in (a) the real VM store on the embedded DynamoDB-compatible store (dynalite),
 * (b) memory. 1 % of the servers were stopped behind the broker's back, so the first pass raises 100
 * drift events and writes 100 records; later passes find nothing new.
 *
 * Reports per pass: seconds, Nova list calls, all calls to the stub, store pages read, and RSS (after the
 * pass, and the peak sampled every 10 ms during it).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudProvider } from '../core/ports/cloud/provider.ts';
import { silentLogger } from '../core/ports/logger.ts';
import type { OperationRepository, VmRepository } from '../core/ports/repositories.ts';
import { Reconciler } from '../core/reconcile/reconciler.ts';
import { createBrokerTable, documentClientFor, ensureTables } from '../persistence/broker-table.ts';
import { CursorCodec } from '../persistence/cursor.ts';
import { OperationStore } from '../persistence/operation-store.ts';
import { VmStore } from '../persistence/vm-store.ts';
import { startEmbeddedDynamo } from '../runtime/local/embedded-dynamo.ts';
import { MemoryVmRepository } from '../test/support/memory-vm-repository.ts';
import { fleet, startInventoryStub, stubProvider } from '../test/support/openstack-inventory-stub.ts';
import { RecordingEventSink } from '../test/support/recording-event-sink.ts';
import { machine } from './stats.ts';

const SERVERS = Number(process.env.BENCH_SERVERS ?? 10_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const TARGET = 'openstack-stub';
const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const { servers, vms } = fleet(SERVERS, TARGET);
const stub = await startInventoryStub(servers);
const provider = stubProvider(stub, TARGET);
const registry = { get: (): CloudProvider => provider, all: () => [provider] };

async function measure(label: string, repository: VmRepository, operations: OperationRepository) {
  for (let pass = 1; pass <= PASSES; pass++) {
    stub.calls.clear();
    const events = new RecordingEventSink();
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    const t0 = performance.now();
    const report = await new Reconciler({
      vms: repository,
      operations,
      queue: { enqueue: async () => {} },
      providers: registry,
      clock: { now: () => new Date() },
      log: silentLogger,
      events,
    }).run();
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const rss = process.memoryUsage().rss;
    const calls = [...stub.calls.values()].reduce((a, b) => a + b, 0);
    console.log(
      `| ${label} | ${pass} | ${seconds.toFixed(2)} s | ${stub.listCalls()} | ${calls} | ${report.drifted} | ${MiB(rss)} | ${MiB(Math.max(peak, rss))} |`,
    );
  }
}

console.log(`machine: ${machine()}; ${SERVERS} servers on one target, ${PASSES} passes per store\n`);

// (a) The real store on dynalite.
const dynamo = await startEmbeddedDynamo(undefined);
const client = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
await ensureTables(client, 'reconcile-bench');
const table = createBrokerTable('reconcile-bench', documentClientFor(client));
const store = new VmStore(table, new CursorCodec(Buffer.alloc(32, 1)));
const t0 = performance.now();
for (let i = 0; i < vms.length; i += 25)
  await Promise.all(vms.slice(i, i + 25).map((vm) => store.create(vm)));
console.error(
  `(seeded ${vms.length} VM records in dynalite in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
console.log(`RSS before the passes (dynalite and the fixtures loaded): ${MiB(process.memoryUsage().rss)}\n`);
console.log('| records in | pass | time | Nova list calls | all calls | drifted | RSS after | RSS peak |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
await measure('dynalite (VmStore)', store, new OperationStore(table));
client.destroy();
await dynamo.close();

// (b) Memory: the pass alone, without the store's cost.
const memory = new MemoryVmRepository(1000);
for (const vm of vms) await memory.create(vm);
await measure('memory', memory, {
  create: async () => {},
  get: async () => undefined,
  save: async (op) => op,
  listUnfinished: async () => [],
});
await stub.close();
