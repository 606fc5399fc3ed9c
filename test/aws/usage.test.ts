import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../core/ports/clock.ts';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { awsCatalogue, useEmulator } from './emulator.ts';

useEmulator();

const HOUR = 3_600_000;

/**
 * Usage on EC2 and EBS (the emulator), the broker's clock driven by the test through
 * create → stop → start → resize → delete, and a volume's life; the report to the second.
 */
describe('usage metering on AWS targets (emulator)', () => {
  let now = Math.floor(Date.now() / 1000) * 1000;
  const start = now;
  const clock: Clock = { now: () => new Date(now) };
  const at = (ms: number) => new Date(start + ms).toISOString();
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: await awsCatalogue(['us-east-1']), clock });
    app = await h.token('usage-aws', ['app']);
  });
  afterAll(() => h?.close());

  const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    const op = await h.settle(app, reply.body.operation.id, 120_000);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
  };
  const action = (vmId: string, body: unknown) =>
    h.call('POST', `/v1/vms/${vmId}/actions`, { token: app, body }).then(settle);

  it('matches the hand-computed hours of an EC2 instance and an EBS volume', async () => {
    const vm = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'metered', size: 'small', image: 'ubuntu-24.04', classification: 'public' },
    });
    expect(vm.body.vm.placement.cloud).toBe('aws');
    const vmId = vm.body.vm.id;
    await settle(vm); // 0:00 running small
    const volume = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'data', sizeGiB: 8, classification: 'public' },
    });
    const volumeId = volume.body.volume.id;
    await settle(volume); // 0:00 volume 8 GiB
    now = start + HOUR;
    await action(vmId, { type: 'stop' }); // 1:00 stopped
    now = start + 1.5 * HOUR;
    await action(vmId, { type: 'start' }); // 1:30 running small
    now = start + 2 * HOUR;
    await action(vmId, { type: 'resize', size: 'medium' }); // 2:00 running medium
    await settle(await h.call('DELETE', `/v1/volumes/${volumeId}`, { token: app })); // 2:00 volume gone
    now = start + 2 * HOUR + 601_000;
    await settle(await h.call('DELETE', `/v1/vms/${vmId}`, { token: app })); // 2:10:01 gone
    now = start + 3 * HOUR;

    const reply = await h.call('GET', `/v1/usage?from=${at(0)}&to=${at(3 * HOUR)}&groupBy=resource`, {
      token: app,
    });
    expect(reply.status, reply.text).toBe(200);
    const byKey = Object.fromEntries(reply.body.groups.map((g: { key: string }) => [g.key, g]));
    // small (1 vCPU, 2 GiB, 20 GiB) running 1 h + 0.5 h, stopped 0.5 h; medium (2, 4 GiB, 40 GiB) 601 s.
    expect(byKey[vmId]).toMatchObject({
      vcpuHours: 1.833889, // 1.5 h + 2 × 601 s = 6,602 vCPU-seconds
      ramGiBHours: 3.667778, // 2 × 1.5 h + 4 × 601 s
      instanceHours: 1.666944, // 1.5 h + 601 s
      volumeGiBHours: 46.677778, // 20 × 2 h + 40 × 601 s
    });
    expect(byKey[volumeId]).toMatchObject({ volumeGiBHours: 16, vcpuHours: 0 }); // 8 GiB × 2 h
    const bySite = await h.call('GET', `/v1/usage?from=${at(0)}&to=${at(3 * HOUR)}&groupBy=site`, {
      token: app,
    });
    expect(bySite.body.groups.map((g: { key: string }) => g.key)).toEqual(['public']);
  }, 300_000);
});
