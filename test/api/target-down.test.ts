import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../connectors/sandbox/sandbox-faults.ts';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { BrokerError } from '../../core/errors.ts';
import { CircuitBreakerHealth } from '../../core/placement/circuit-breaker.ts';
import { systemClock } from '../../core/ports/clock.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { sandboxServersOf } from '../support/sandbox-servers.ts';

const NORTH = 'sandbox-onprem-north';
const SOUTH = 'sandbox-onprem-south';
const PUBLIC = ['sandbox-public-east', 'sandbox-public-west'];
/** The whole target refuses every call, as when its data centre is unreachable. */
const DOWN: FaultRule[] = [{ type: 'fail', kind: 'unavailable', count: 100_000 }];

/** With an on-prem target down, phi work goes to the other on-prem target — never to a denied one. */
describe('a target that is down', () => {
  let h: Harness;
  let app: string;
  let operator: string;

  beforeEach(async () => {
    h = await startHarness();
    app = await h.token('tenant-down', ['app']);
    operator = await h.token('tenant-down', ['operator']);
  });
  afterEach(() => h.close());

  const sandbox = (id: string) => h.broker.providers.get(id) as SandboxProvider;
  const inject = async (targetId: string, rules: FaultRule[]) => {
    const reply = await h.call('PUT', `/v1/sandbox/targets/${targetId}/faults`, {
      token: operator,
      body: { rules },
    });
    expect(reply.status, reply.text).toBe(200);
  };
  /** Live servers carrying the VM's broker id, on every target, from the simulated clouds' own state. */
  const serversOf = (vmId: string) => sandboxServersOf(h.dataDir, [NORTH, SOUTH, ...PUBLIC], vmId);
  const create = async (body: Record<string, unknown>, path = '/v1/vms') => {
    const reply = await h.call('POST', path, { token: app, body });
    expect(reply.status, reply.text).toBe(202);
    const op = await h.settle(app, reply.body.operation.id, 60_000);
    return { reply, op };
  };
  const phiVm = (name: string, extra: Record<string, unknown> = {}) =>
    create({ name, size: 'small', image: 'ubuntu-24.04', classification: 'phi', ...extra });

  it('does not block phi creates: they go to the other on-prem target', async () => {
    await inject(NORTH, DOWN);
    const started = Date.now();
    const { reply, op } = await phiVm('ehr-1');
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect(op.result.targetId).toBe(SOUTH);
    expect(serversOf(reply.body.vm.id)).toEqual([SOUTH]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('is ranked last once /v1/targets reports it down, above its preference — still permitted', async () => {
    await inject(NORTH, DOWN);
    const targets = await h.call('GET', '/v1/targets', { token: app });
    expect(targets.body.items.find((t: { id: string }) => t.id === NORTH).health.status).toBe('down');
    // North's preference (15) would place it first (south: 5).
    const { reply, op } = await phiVm('ehr-2');
    const decision = reply.body.operation.placement;
    expect(decision.chosen.targetId).toBe(SOUTH);
    const north = decision.candidates.find((c: { targetId: string }) => c.targetId === NORTH);
    expect(north.permitted).toBe(true);
    expect(north.reasons.join(' ')).toContain('ranked last: health check: down');
    for (const id of PUBLIC)
      expect(decision.candidates.find((c: { targetId: string }) => c.targetId === id).permitted).toBe(false);
    expect(op.status).toBe('succeeded');
    // The create never went to the target known to be down.
    expect(op.steps.some((s: { note?: string }) => s.note?.includes(NORTH))).toBe(false);
  });

  it('opens its circuit from failed lookups, shared through the broker table with other processes', async () => {
    await inject(NORTH, DOWN);
    for (let i = 0; i < 3; i++) expect((await phiVm(`ehr-c${i}`)).op.status).toBe('succeeded');
    const targets = await h.call('GET', '/v1/targets', { token: app });
    expect(targets.body.items.find((t: { id: string }) => t.id === NORTH).circuit).toBe('open');
    // Another process of the deployment: a fresh breaker over the same table sees the open circuit.
    const other = new CircuitBreakerHealth(systemClock, h.broker.stores.targetHealth);
    await other.refresh();
    expect(other.state(NORTH)).toBe('open');
    expect(other.unavailable(NORTH)).toContain('sandbox.unavailable');
    // And placement there steers away from it without any health check.
    const { reply } = await phiVm('ehr-after-open');
    expect(reply.body.operation.placement.chosen.targetId).toBe(SOUTH);
  });

  it('with every permitted target down, fails with one placement.exhausted naming each target and why', async () => {
    await inject(NORTH, DOWN);
    await inject(SOUTH, DOWN);
    const { reply, op } = await phiVm('nowhere');
    expect(op.status).toBe('failed');
    expect(op.error.code).toBe('placement.exhausted');
    for (const id of [NORTH, SOUTH]) expect(op.error.message).toContain(`${id} (`);
    expect(op.error.message).toContain('sandbox.unavailable');
    for (const id of PUBLIC) expect(op.error.message).not.toContain(id);
    expect(serversOf(reply.body.vm.id)).toEqual([]);
  });

  it('never creates elsewhere while a create sent to it may have worked (I4)', async () => {
    // North creates the server but the answer times out; then north stops answering for a while.
    const compute = sandbox(NORTH).compute;
    const realCreate = compute.createServer.bind(compute);
    const realFind = compute.findServerByBrokerId.bind(compute);
    let lookups = 0;
    compute.createServer = async (input) => {
      await realCreate(input);
      throw new BrokerError('sandbox.timeout', 'simulated timeout after the create');
    };
    compute.findServerByBrokerId = async (id) => {
      lookups += 1;
      if (lookups >= 2 && lookups <= 4) throw new BrokerError('sandbox.unavailable', 'simulated outage');
      return realFind(id);
    };
    const { reply, op } = await phiVm('ambiguous');
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect(op.result.targetId).toBe(NORTH);
    expect(serversOf(reply.body.vm.id)).toEqual([NORTH]);
    const stored = await h.broker.stores.operations.get('tenant-down', op.id);
    expect(stored?.createSentTo).toEqual([NORTH]);
  });

  it('adopts the server when the cloud answers an error after creating it (no duplicate elsewhere)', async () => {
    await inject(NORTH, [
      { type: 'errorAfterCreate', method: 'createServer', kind: 'unavailable', count: 1 },
    ]);
    const { reply, op } = await phiVm('false-negative');
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    expect(serversOf(reply.body.vm.id)).toEqual([NORTH]);
  });

  it('does not block phi volume or bucket creates either', async () => {
    await inject(NORTH, DOWN);
    const volume = await create({ name: 'ehr-disk', sizeGiB: 10, classification: 'phi' }, '/v1/volumes');
    expect(volume.op.status, JSON.stringify(volume.op.error)).toBe('succeeded');
    expect(volume.op.result.targetId).toBe(SOUTH);
    const bucket = await create({ name: 'ehr-scans', classification: 'phi' }, '/v1/buckets');
    expect(bucket.op.status, JSON.stringify(bucket.op.error)).toBe('succeeded');
    expect(bucket.op.result.targetId).toBe(SOUTH);
  });
});
