import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../connectors/sandbox/sandbox-faults.ts';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/** When a target fails, the worker falls back to the next *permitted* target, never to a denied one. */
describe('placement fallback in the worker', () => {
  let h: Harness;
  let app: string;
  let operator: string;

  beforeAll(async () => {
    h = await startHarness();
    app = await h.token('tenant-f', ['app']);
    operator = await h.token('platform', ['operator']);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    for (const p of h.broker.providers.all()) (p as SandboxProvider).faults.clear();
  });

  const inject = async (targetId: string, rules: FaultRule[]) => {
    const reply = await h.call('PUT', `/v1/sandbox/targets/${targetId}/faults`, {
      token: operator,
      body: { rules },
    });
    expect(reply.status, reply.text).toBe(200);
  };
  const serversOn = async (targetId: string, vmId: string) => {
    const found = [];
    for await (const s of h.broker.providers.get(targetId).compute.listServers())
      if (s.brokerId === vmId) found.push(s);
    return found;
  };
  const createAndSettle = async (classification: string, name: string) => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name, size: 'small', image: 'ubuntu-24.04', classification },
    });
    expect(created.status, created.text).toBe(202);
    const op = await h.settle(app, created.body.operation.id);
    const vm = (await h.call('GET', `/v1/vms/${created.body.vm.id}`, { token: app })).body;
    return { created, op, vm };
  };

  it('moves a phi VM to the next on-prem target when the first has no capacity', async () => {
    await inject('sandbox-onprem-north', [
      { type: 'fail', method: 'createServer', kind: 'capacity', count: 1 },
    ]);
    const { created, op, vm } = await createAndSettle('phi', 'fallback-capacity');
    expect(created.body.vm.placement.targetId).toBe('sandbox-onprem-north');
    expect(op.status).toBe('succeeded');
    expect(vm.placement.targetId).toBe('sandbox-onprem-south');
    expect(
      op.steps.some((s: { note?: string }) =>
        s.note?.includes('fell back from sandbox-onprem-north to sandbox-onprem-south'),
      ),
    ).toBe(true);
    expect(await serversOn('sandbox-onprem-south', vm.id)).toHaveLength(1);
  });

  it('never falls back to a denied target: with every on-prem target full, a phi VM fails', async () => {
    for (const id of ['sandbox-onprem-north', 'sandbox-onprem-south'])
      await inject(id, [{ type: 'fail', method: 'createServer', kind: 'capacity', count: 5 }]);
    const { op, vm } = await createAndSettle('phi', 'nowhere-to-go');
    expect(op.status).toBe('failed');
    expect(op.error.code).toBe('placement.exhausted');
    expect(vm.status).toBe('error');
    expect(vm.fault).toContain('no permitted target left');
    for (const id of ['sandbox-public-east', 'sandbox-public-west'])
      expect(await serversOn(id, vm.id)).toEqual([]);
  });

  it('replaces a server that ends in error, deleting the failed one first', async () => {
    await inject('sandbox-public-east', [{ type: 'failBuild', count: 1 }]);
    const { op, vm } = await createAndSettle('public', 'build-fails-once');
    expect(op.status).toBe('succeeded');
    expect(vm.placement.targetId).not.toBe('sandbox-public-east');
    expect(await serversOn('sandbox-public-east', vm.id)).toEqual([]);
  });

  it('retries an ambiguous timeout on the same target, without a duplicate', async () => {
    await inject('sandbox-public-east', [{ type: 'loseResponse', method: 'createServer', count: 1 }]);
    const { op, vm } = await createAndSettle('public', 'lost-reply');
    expect(op.status).toBe('succeeded');
    expect(vm.placement.targetId).toBe('sandbox-public-east');
    expect(await serversOn('sandbox-public-east', vm.id)).toHaveLength(1);
    // The lost reply is followed by a lookup on the same target, which adopts the server it made.
    expect(op.steps.some((s: { note?: string }) => s.note?.includes('fell back'))).toBe(false);
  });

  it('refuses fault injection to non-operators', async () => {
    const reply = await h.call('PUT', '/v1/sandbox/targets/sandbox-public-east/faults', {
      token: app,
      body: { rules: [] },
    });
    expect(reply.status).toBe(403);
  });
});
