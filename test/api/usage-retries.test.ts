import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerError } from '../../core/errors.ts';
import type { Clock } from '../../core/ports/clock.ts';
import type { VmPatch } from '../../core/ports/repositories.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/**
 * A step writes its usage record, then the state change; when the state write fails (the store throttles,
 * or the process dies there) the step runs again. The record must then be neither lost nor doubled, and
 * the time of the first observation must stand.
 */
describe('usage records across a retried step', () => {
  let now = Date.parse('2026-11-04T08:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    h = await startHarness({ clock });
    app = await h.token('usage-retry', ['app']);
  });
  afterAll(() => h?.close());

  it('writes one record, stamped at the first attempt, when the state write after it fails once', async () => {
    const created = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'retried', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
    });
    const vmId = created.body.vm.id;
    expect((await h.settle(app, created.body.operation.id)).status).toBe('succeeded');
    now += 3_600_000; // 09:00:00

    const vms = h.broker.stores.vms;
    const update = vms.update.bind(vms);
    let failures = 0;
    vms.update = async (tenant: string, id: string, patch: VmPatch, options?: object) => {
      if (id === vmId && patch.status === 'stopped' && failures === 0) {
        failures += 1;
        now += 5 * 60_000; // the retry runs five minutes later, by the broker's clock
        throw new BrokerError('store.unavailable', 'the state store did not answer');
      }
      return update(tenant, id, patch, options);
    };
    try {
      const stop = await h.call('POST', `/v1/vms/${vmId}/actions`, { token: app, body: { type: 'stop' } });
      const op = await h.settle(app, stop.body.operation.id, 20_000);
      expect(op.status).toBe('succeeded');
      expect(op.steps.find((s: { name: string }) => s.name === 'awaitSettled').attempts).toBeGreaterThan(1);
    } finally {
      vms.update = update;
    }
    expect(failures).toBe(1);
    expect((await h.call('GET', `/v1/vms/${vmId}`, { token: app })).body.status).toBe('stopped');

    const records = await h.broker.stores.usageRecords.listBefore('usage-retry', '2030-01-01T00:00:00Z');
    expect(records.map((r) => [r.at, r.state]).sort()).toEqual([
      ['2026-11-04T08:00:00.000Z', 'running'],
      ['2026-11-04T09:00:00.000Z', 'stopped'],
    ]);
    // One hour running (small: 1 vCPU), not 1 h 5 min; then the disk only.
    now = Date.parse('2026-11-04T10:00:00Z');
    const report = await h.call('GET', '/v1/usage?from=2026-11-04T08:00:00Z&to=2026-11-04T10:00:00Z', {
      token: app,
    });
    expect(report.body.total).toMatchObject({ vcpuHours: 1, instanceHours: 1, volumeGiBHours: 40 });
  });
});
