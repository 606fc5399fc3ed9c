import { describe, expect, it } from 'vitest';
import { describeRateCardProblem, parseRateCard, type RateCard } from './rate-card.ts';
import type { UsageRecord } from './usage-record.ts';
import { buildUsageReport } from './usage-report.ts';

const day = '2026-11-02';
const t = (hms: string) => `${day}T${hms}Z`;
const window = (from: string, to: string, groupBy: 'target' | 'size' | 'resource' | 'site' = 'target') => ({
  from: new Date(t(from)),
  to: new Date(t(to)),
  until: new Date(t('23:59:59')),
  groupBy,
});

const vmBase = {
  tenant: 'mercy',
  kind: 'vm' as const,
  resourceId: 'vm-a',
  targetId: 'onprem-north',
  site: 'onprem' as const,
  classification: 'phi' as const,
};
const medium = { size: 'medium', vcpus: 2, ramMiB: 4096, diskGiB: 40 };
const large = { size: 'large', vcpus: 4, ramMiB: 8192, diskGiB: 80 };

/** create → stop → start → resize → delete, as the worker records them. */
const vmSchedule: UsageRecord[] = [
  { ...vmBase, ...medium, id: 'op-1.active', at: t('08:00:00'), state: 'running' },
  { ...vmBase, ...medium, id: 'op-2.settled', at: t('10:00:00'), state: 'stopped' },
  { ...vmBase, ...medium, id: 'op-3.settled', at: t('10:30:00'), state: 'running' },
  { ...vmBase, ...large, id: 'op-4.settled', at: t('11:30:00'), state: 'running' },
  { ...vmBase, ...large, id: 'op-5.gone', at: t('11:45:07'), state: 'gone' },
];

describe('usage report', () => {
  it('matches hand-computed hours for a VM through create, stop, start, resize and delete', () => {
    const report = buildUsageReport(vmSchedule, window('08:00:00', '12:00:00'));
    // Running medium 08:00–10:00 and 10:30–11:30 = 3 h; stopped 10:00–10:30 = 0.5 h;
    // running large 11:30:00–11:45:07 = 907 s.
    expect(report.groups).toEqual([
      {
        key: 'onprem-north',
        vcpuHours: 7.007778, // 2 × 3 h + 4 × 907 s (3,628 s) = 6 + 1.007778
        ramGiBHours: 14.015556, // 4 GiB × 3 h + 8 GiB × 907 s = 12 + 2.015556
        instanceHours: 3.251944, // 3 h + 907 s
        volumeGiBHours: 160.155556, // root disk: 40 × 3.5 h + 80 × 907 s = 140 + 20.155556
        objectGiBHours: 0,
      },
    ]);
    expect(report.total.vcpuHours).toBe(7.007778);
  });

  it('one second more or less shows', () => {
    const later = vmSchedule.map((r) => (r.state === 'gone' ? { ...r, at: t('11:45:08') } : r));
    const report = buildUsageReport(later, window('08:00:00', '12:00:00'));
    expect(report.total.instanceHours).toBe(3.252222); // 3 h + 908 s
  });

  it('counts only the part inside the window, the state at its start carried in', () => {
    const report = buildUsageReport(vmSchedule, window('09:00:00', '11:00:00'));
    // Running 09:00–10:00 and 10:30–11:00 (1.5 h), stopped 10:00–10:30.
    expect(report.total).toEqual({
      vcpuHours: 3,
      ramGiBHours: 6,
      instanceHours: 1.5,
      volumeGiBHours: 80,
      objectGiBHours: 0,
    });
  });

  it('stops at now: a window reaching into the future counts nothing there', () => {
    const open = vmSchedule.slice(0, 1);
    const report = buildUsageReport(open, {
      ...window('08:00:00', '12:00:00'),
      until: new Date(t('09:15:30')),
    });
    expect(report.total.instanceHours).toBe(1.258333); // 4,530 s
  });

  it('groups by size: each interval under the size it had', () => {
    const report = buildUsageReport(vmSchedule, window('08:00:00', '12:00:00', 'size'));
    expect(report.groups.map((g) => [g.key, g.vcpuHours, g.volumeGiBHours])).toEqual([
      ['large', 1.007778, 20.155556],
      ['medium', 6, 140],
    ]);
  });

  it('counts volumes by size while they exist and buckets by the bytes the store reported', () => {
    const records: UsageRecord[] = [
      {
        ...vmBase,
        kind: 'volume',
        resourceId: 'vol-1',
        id: 'op-6.available',
        at: t('08:00:00'),
        state: 'running',
        diskGiB: 100,
      },
      {
        ...vmBase,
        kind: 'volume',
        resourceId: 'vol-1',
        id: 'op-7.gone',
        at: t('09:30:00'),
        state: 'gone',
        diskGiB: 100,
      },
      {
        ...vmBase,
        kind: 'bucket',
        resourceId: 'bkt-1',
        id: 'op-8.active',
        at: t('08:00:00'),
        state: 'running',
        bytes: 2 * 1024 ** 3,
      },
      {
        ...vmBase,
        kind: 'bucket',
        resourceId: 'bkt-1',
        id: 'sample.1',
        at: t('10:00:00'),
        state: 'running',
        bytes: 5 * 1024 ** 3,
      },
    ];
    const report = buildUsageReport(records, window('08:00:00', '12:00:00', 'resource'));
    expect(report.groups).toEqual([
      { key: 'bkt-1', vcpuHours: 0, ramGiBHours: 0, instanceHours: 0, volumeGiBHours: 0, objectGiBHours: 14 },
      {
        key: 'vol-1',
        vcpuHours: 0,
        ramGiBHours: 0,
        instanceHours: 0,
        volumeGiBHours: 150,
        objectGiBHours: 0,
      },
    ]);
  });

  it('never counts a resource twice when records of other tenants share ids', () => {
    const other = vmSchedule.map((r) => ({ ...r, tenant: 'other' }));
    const report = buildUsageReport([...vmSchedule, ...other], window('08:00:00', '12:00:00', 'site'));
    expect(report.total.instanceHours).toBe(6.503889); // two VMs of 3 h 907 s each
  });
});

describe('cost', () => {
  const card = (rates: unknown[]): RateCard => {
    const parsed = parseRateCard({ currency: 'USD', rates }, new Set(['onprem-north']));
    if (!('card' in parsed)) throw new Error(parsed.problems.map(describeRateCardProblem).join('; '));
    return parsed.card;
  };

  it('prices each piece of an interval with the rate in force then; a target rate beats its site', () => {
    const rates = card([
      {
        site: 'onprem',
        effectiveFrom: '2026-11-01',
        effectiveTo: `${day}T11:00:00Z`,
        prices: { vcpuHour: 1 },
      },
      { site: 'onprem', effectiveFrom: `${day}T11:00:00Z`, prices: { vcpuHour: 2 } },
      { target: 'onprem-north', effectiveFrom: `${day}T11:40:00Z`, prices: { instanceHour: 10 } },
    ]);
    const report = buildUsageReport(vmSchedule, window('08:00:00', '12:00:00'), rates);
    // vCPU-hours before 11:00: 2 × 2.5 h = 5 at 1; 11:00–11:30: 2 × 0.5 = 1 at 2; 11:30–11:40: 4 × 600 s
    // = 0.666667 at 2; after 11:40 the target's card (no vCPU price): 307 s × 10 per instance-hour.
    const expected = 5 + 2 + (4 * 600 * 2) / 3600 + (307 * 10) / 3600;
    expect(report.groups[0]!.cost).toBe(Number(expected.toFixed(6)));
    expect(report.currency).toBe('USD');
    expect(report.groups[0]!.unpriced).toBeUndefined();
  });

  it('marks usage no rate covers', () => {
    const rates = card([{ site: 'public', effectiveFrom: '2026-01-01', prices: { vcpuHour: 1 } }]);
    const report = buildUsageReport(vmSchedule, window('08:00:00', '12:00:00'), rates);
    expect(report.groups[0]).toMatchObject({ cost: 0, unpriced: true });
  });
});

describe('rate card validation', () => {
  const targets = new Set(['onprem-north']);
  it('refuses overlapping rates, unknown targets, both scopes, bad currency and reversed dates', () => {
    const result = parseRateCard(
      {
        currency: 'USD',
        rates: [
          { site: 'onprem', effectiveFrom: '2026-01-01', prices: { vcpuHour: 1 } },
          { site: 'onprem', effectiveFrom: '2026-06-01', prices: { vcpuHour: 2 } },
          { target: 'nowhere', effectiveFrom: '2026-01-01', prices: {} },
          { target: 'onprem-north', effectiveFrom: '2026-02-01', effectiveTo: '2026-01-01', prices: {} },
        ],
      },
      targets,
    );
    expect('problems' in result && result.problems.map(describeRateCardProblem)).toEqual([
      'rates.2.target: unknown target nowhere',
      'rates.3.effectiveTo: must be after effectiveFrom',
      'rates.1: overlaps rates.0 for onprem',
    ]);
    const shape = parseRateCard(
      {
        currency: 'usd',
        rates: [{ site: 'onprem', target: 'onprem-north', effectiveFrom: 'May', prices: { vcpuHour: -1 } }],
      },
      targets,
    );
    const problems = 'problems' in shape ? shape.problems.map(describeRateCardProblem).join('\n') : '';
    expect(problems).toMatch(/^currency: /m);
    expect(problems).toMatch(/^rates\.0\.effectiveFrom: /m);
    expect(problems).toMatch(/^rates\.0\.prices\.vcpuHour: /m);
  });
});
