import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRateCard, type RateCard, rateAt } from './rate-card.ts';
import type { MeteredState, UsageRecord } from './usage-record.ts';
import { buildUsageReport, type UsageTotals } from './usage-report.ts';

const T0 = Date.parse('2026-11-02T00:00:00Z');
const SPAN_S = 4 * 3600;
const SIZES = {
  small: { vcpus: 1, ramMiB: 2048, diskGiB: 20 },
  large: { vcpus: 4, ramMiB: 8192, diskGiB: 80 },
} as const;

const iso = (second: number) => new Date(T0 + second * 1000).toISOString();

/** Random histories: a few resources, each a handful of changes at whole seconds (ties included). */
const histories = fc
  .array(
    fc.record({
      kind: fc.constantFrom('vm', 'volume', 'bucket'),
      target: fc.constantFrom('north', 'east'),
      changes: fc.array(
        fc.record({
          second: fc.integer({ min: 0, max: SPAN_S }),
          state: fc.constantFrom<MeteredState>('running', 'stopped', 'gone'),
          size: fc.constantFrom('small', 'large'),
          amount: fc.integer({ min: 0, max: 5000 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((resources) =>
    resources.flatMap((r, i) =>
      r.changes.map(
        (c, j): UsageRecord => ({
          id: `op-${String(j).padStart(2, '0')}.${i}`,
          tenant: 't',
          kind: r.kind,
          resourceId: `${r.kind}-${i}`,
          at: iso(c.second),
          state: r.kind === 'vm' ? c.state : c.state === 'stopped' ? 'running' : c.state,
          targetId: r.target,
          site: r.target === 'north' ? 'onprem' : 'public',
          classification: 'internal',
          ...(r.kind === 'vm' ? { size: c.size, ...SIZES[c.size] } : {}),
          ...(r.kind === 'volume' ? { diskGiB: c.amount } : {}),
          ...(r.kind === 'bucket' ? { bytes: c.amount * 1024 ** 2 } : {}),
        }),
      ),
    ),
  );

const card: RateCard = (() => {
  const parsed = parseRateCard(
    {
      currency: 'USD',
      rates: [
        {
          site: 'onprem',
          effectiveFrom: iso(0),
          effectiveTo: iso(5000),
          prices: { vcpuHour: 1, volumeGiBHour: 0.01 },
        },
        {
          site: 'onprem',
          effectiveFrom: iso(5000),
          prices: { vcpuHour: 2, ramGiBHour: 0.5, objectGiBHour: 0.3 },
        },
        { target: 'east', effectiveFrom: iso(7777), prices: { instanceHour: 3, volumeGiBHour: 0.02 } },
      ],
    },
    new Set(['north', 'east']),
  );
  if (!('card' in parsed)) throw new Error('bad card');
  return parsed.card;
})();

/**
 * The reference: walk the window one second at a time and, for each resource, take the latest record at
 * or before that second (ties to the larger id), adding what its state holds for one second.
 */
function bySecond(records: UsageRecord[], from: number, to: number) {
  const sum: UsageTotals & { cost: number } = {
    vcpuHours: 0,
    ramGiBHours: 0,
    volumeGiBHours: 0,
    instanceHours: 0,
    objectGiBHours: 0,
    cost: 0,
  };
  const resources = new Set(records.map((r) => r.resourceId));
  for (let s = from; s < to; s++) {
    for (const id of resources) {
      const current = records
        .filter((r) => r.resourceId === id && Date.parse(r.at) <= T0 + s * 1000)
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : 1))
        .at(-1);
      if (!current || current.state === 'gone') continue;
      const running = current.kind === 'vm' && current.state === 'running';
      const add = {
        vcpuHours: running ? current.vcpus! / 3600 : 0,
        ramGiBHours: running ? current.ramMiB! / 1024 / 3600 : 0,
        volumeGiBHours: current.kind === 'bucket' ? 0 : current.diskGiB! / 3600,
        instanceHours: running ? 1 / 3600 : 0,
        objectGiBHours: current.kind === 'bucket' ? current.bytes! / 1024 ** 3 / 3600 : 0,
      };
      const rate = rateAt(card, current.targetId, current.site, T0 + s * 1000);
      for (const [k, v] of Object.entries(add) as [keyof UsageTotals, number][]) sum[k] += v;
      if (rate)
        sum.cost +=
          add.vcpuHours * rate.prices.vcpuHour +
          add.ramGiBHours * rate.prices.ramGiBHour +
          add.volumeGiBHours * rate.prices.volumeGiBHour +
          add.instanceHours * rate.prices.instanceHour +
          add.objectGiBHours * rate.prices.objectGiBHour;
    }
  }
  return sum;
}

describe('usage report, against a second-by-second reference', () => {
  it('sums every measure and the cost as walking the window second by second does', () => {
    fc.assert(
      fc.property(
        histories,
        fc.integer({ min: 0, max: SPAN_S }),
        fc.integer({ min: 1, max: SPAN_S }),
        (records, start, length) => {
          const from = start;
          const to = Math.min(start + length, SPAN_S + 600);
          fc.pre(to > from);
          const report = buildUsageReport(
            records,
            {
              from: new Date(T0 + from * 1000),
              to: new Date(T0 + to * 1000),
              until: new Date(T0 + 10 * SPAN_S * 1000),
              groupBy: 'target',
            },
            card,
          );
          const expected = bySecond(records, from, to);
          for (const k of [
            'vcpuHours',
            'ramGiBHours',
            'volumeGiBHours',
            'instanceHours',
            'objectGiBHours',
          ] as const)
            expect(report.total[k]).toBeCloseTo(expected[k], 5);
          expect(report.total.cost!).toBeCloseTo(expected.cost, 5);
          // The groups add up to the total.
          const groupSum = report.groups.reduce((a, g) => a + g.vcpuHours, 0);
          expect(groupSum).toBeCloseTo(report.total.vcpuHours, 5);
        },
      ),
      { numRuns: 60 },
    );
  });
});
