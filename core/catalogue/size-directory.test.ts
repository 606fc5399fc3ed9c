import { describe, expect, it } from 'vitest';
import type { Target } from '../model/target.ts';
import type { TargetCapacity, TargetCapacityView } from '../targets/target-capacity.ts';
import type { TargetDirectory, TargetStatus } from '../targets/target-directory.ts';
import { SizeDirectory } from './size-directory.ts';

const target = (id: string, sizes: Record<string, string>, kinds = ['vm']): Target =>
  ({ id, cloud: 'openstack', region: 'r', site: 'onprem', kinds, sizes, images: {} }) as unknown as Target;

function directory(statuses: Partial<TargetStatus>[], capacity: Record<string, TargetCapacityView>) {
  const list = statuses.map((s) => ({
    simulation: false,
    health: { status: 'healthy', checkedAt: '' },
    circuit: 'closed',
    ...s,
  })) as TargetStatus[];
  const targets = {
    list: async () => list,
    catalogue: {
      sizes: {
        large: { vcpus: 4, ramMiB: 8192, diskGiB: 80 },
        small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 },
      },
    },
  } as unknown as TargetDirectory;
  const limits = { of: async (id: string) => capacity[id]! } as unknown as TargetCapacity;
  return new SizeDirectory(targets, limits);
}

describe('SizeDirectory', () => {
  it('orders sizes smallest first and lists only the targets hosting VMs that map each', async () => {
    const sizes = await directory(
      [
        { target: target('a', { small: 'm1.small', large: 'm1.large' }) },
        { target: target('b', { small: 't3.small' }) },
        { target: target('c', { small: 'x' }, ['volume']) },
      ],
      {
        a: { source: 'nova+cinder', resources: {} },
        b: { source: 'ec2', resources: {} },
      },
    ).list();
    expect(sizes.map((s) => [s.name, s.targets.map((t) => `${t.targetId}:${t.flavor}`)])).toEqual([
      ['small', ['a:m1.small', 'b:t3.small']],
      ['large', ['a:m1.large']],
    ]);
  });

  it('names every reason a target cannot place a size now', async () => {
    const sizes = await directory(
      [
        { target: target('down', { small: 's', large: 'l' }), health: { status: 'down', checkedAt: '' } },
        { target: target('open', { small: 's', large: 'l' }), circuit: 'open' },
        { target: target('full', { small: 's', large: 'l' }) },
        { target: target('unknown', { small: 's', large: 'l' }) },
      ],
      {
        down: { source: 'sandbox', resources: {} },
        open: { source: 'sandbox', resources: {} },
        full: {
          source: 'nova+cinder',
          resources: {
            instances: { limit: 10, used: 9 },
            vcpus: { limit: 20, used: 17 },
            ramMiB: { limit: null },
          },
        },
        unknown: { source: 'unavailable', error: 'openstack.unavailable', resources: {} },
      },
    ).list();
    const on = (size: string, id: string) =>
      sizes.find((s) => s.name === size)!.targets.find((t) => t.targetId === id)!;
    expect(on('small', 'down')).toMatchObject({ placeableNow: false, blockers: ['target.down'] });
    expect(on('small', 'open')).toMatchObject({ placeableNow: false, blockers: ['target.circuitOpen'] });
    expect(on('small', 'full')).toMatchObject({ placeableNow: true, blockers: [], capacityKnown: true });
    expect(on('large', 'full')).toMatchObject({ placeableNow: false, blockers: ['capacity.vcpus'] });
    // Limits that could not be read are not held against the target, and say so.
    expect(on('large', 'unknown')).toMatchObject({ placeableNow: true, capacityKnown: false });
  });
});
