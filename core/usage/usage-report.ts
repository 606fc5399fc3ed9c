import { PRICE_FIELDS, type Prices, type RateCard, rateAt, rateBoundaries } from './rate-card.ts';
import type { UsageRecord } from './usage-record.ts';

export const USAGE_GROUPINGS = ['target', 'site', 'classification', 'size', 'resource', 'tenant'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

/** The measures of a report, in hours of one unit (rounded to 6 decimals: a second is 0.000278 h). */
export interface UsageTotals {
  vcpuHours: number;
  ramGiBHours: number;
  volumeGiBHours: number;
  instanceHours: number;
  objectGiBHours: number;
}

export interface UsageGroup extends UsageTotals {
  key: string;
  /** With a rate card: the cost of the group's usage, in the card's currency (6 decimals). */
  cost?: number;
  /** Some of the group's usage fell where no rate was in force; `cost` counts only the rest. */
  unpriced?: boolean;
}

export interface UsageReport {
  from: string;
  to: string;
  groupBy: UsageGrouping;
  currency?: string;
  groups: UsageGroup[];
  total: UsageTotals & { cost?: number };
}

/** A stretch of time during which one record's state held, clipped to the report's window. */
export interface MeteredInterval {
  record: UsageRecord;
  start: number;
  end: number;
}

/**
 * Each record holds from its time until the resource's next record (or `until`); records of one resource
 * are ordered by time, then id (ULID-based ids break ties in the order the operations began). Only the
 * part inside [from, until) counts, and `gone` counts nothing.
 */
export function meteredIntervals(records: readonly UsageRecord[], from: number, until: number) {
  const byResource = new Map<string, UsageRecord[]>();
  for (const record of records) {
    const key = `${record.tenant}/${record.kind}/${record.resourceId}`;
    const list = byResource.get(key) ?? [];
    list.push(record);
    byResource.set(key, list);
  }
  const intervals: MeteredInterval[] = [];
  for (const all of byResource.values()) {
    all.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    // A size sampled just as the resource went must not bring it back.
    const goneAt = all.find((r) => r.state === 'gone')?.at;
    const list = all.filter((r) => !(r.sampled && goneAt !== undefined && r.at >= goneAt));
    list.forEach((record, i) => {
      if (record.state === 'gone') return;
      const next = list[i + 1];
      const start = Math.max(Date.parse(record.at), from);
      const end = Math.min(next ? Date.parse(next.at) : until, until);
      if (end > start) intervals.push({ record, start, end });
    });
  }
  return intervals;
}

/** Unit-milliseconds one interval accrues per measure (exact integers except object bytes). */
function accrual(interval: MeteredInterval, start = interval.start, end = interval.end) {
  const { record } = interval;
  const ms = end - start;
  const running = record.state === 'running';
  const isVm = record.kind === 'vm';
  return {
    vcpu: running && isVm ? (record.vcpus ?? 0) * ms : 0,
    ramMiB: running && isVm ? (record.ramMiB ?? 0) * ms : 0,
    // A VM's root disk stays while it is stopped; a volume counts while it exists.
    diskGiB: record.kind === 'bucket' ? 0 : (record.diskGiB ?? 0) * ms,
    instance: running && isVm ? ms : 0,
    bytes: record.kind === 'bucket' ? (record.bytes ?? 0) * ms : 0,
  };
}

type Accrual = ReturnType<typeof accrual>;
const MS_PER_HOUR = 3_600_000;
const GIB = 1024 ** 3;

function hours(a: Accrual): Record<keyof Prices, number> {
  return {
    vcpuHour: a.vcpu / MS_PER_HOUR,
    ramGiBHour: a.ramMiB / 1024 / MS_PER_HOUR,
    volumeGiBHour: a.diskGiB / MS_PER_HOUR,
    instanceHour: a.instance / MS_PER_HOUR,
    objectGiBHour: a.bytes / GIB / MS_PER_HOUR,
  };
}

export function groupKey(record: UsageRecord, groupBy: UsageGrouping): string {
  switch (groupBy) {
    case 'target':
      return record.targetId;
    case 'site':
      return record.site;
    case 'classification':
      return record.classification;
    case 'size':
      // Volumes and buckets have no logical size: they form groups of their own kind.
      return record.kind === 'vm' ? (record.size ?? 'unknown') : record.kind;
    case 'resource':
      return record.resourceId;
    case 'tenant':
      return record.tenant;
  }
}

interface Accumulator {
  sum: Accrual;
  cost: number;
  unpriced: boolean;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Sums usage per group over [from, until); prices it when a rate card is given. */
export function buildUsageReport(
  records: readonly UsageRecord[],
  window: { from: Date; to: Date; until: Date; groupBy: UsageGrouping },
  card?: RateCard,
): UsageReport {
  const { from, to, groupBy } = window;
  const until = Math.min(window.until.getTime(), to.getTime());
  const groups = new Map<string, Accumulator>();
  for (const interval of meteredIntervals(records, from.getTime(), until)) {
    const key = groupKey(interval.record, groupBy);
    const acc = groups.get(key) ?? { sum: zero(), cost: 0, unpriced: false };
    add(acc.sum, accrual(interval));
    if (card) price(acc, interval, card);
    groups.set(key, acc);
  }
  const total: Accumulator = { sum: zero(), cost: 0, unpriced: false };
  const out: UsageGroup[] = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, acc]) => {
      add(total.sum, acc.sum);
      total.cost += acc.cost;
      return {
        key,
        ...totalsOf(acc.sum),
        ...(card ? { cost: round(acc.cost, 6) } : {}),
        ...(acc.unpriced ? { unpriced: true } : {}),
      };
    });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    groupBy,
    ...(card ? { currency: card.currency } : {}),
    groups: out,
    total: { ...totalsOf(total.sum), ...(card ? { cost: round(total.cost, 6) } : {}) },
  };
}

/** Prices an interval piecewise: a rate that starts or ends inside it applies only to its part. */
function price(acc: Accumulator, interval: MeteredInterval, card: RateCard): void {
  const { record } = interval;
  const edges = [interval.start, ...rateBoundaries(card, interval.start, interval.end), interval.end];
  for (let i = 0; i + 1 < edges.length; i++) {
    const piece = hours(accrual(interval, edges[i]!, edges[i + 1]!));
    const rate = rateAt(card, record.targetId, record.site, edges[i]!);
    if (!rate) {
      if (PRICE_FIELDS.some((f) => piece[f] > 0)) acc.unpriced = true;
      continue;
    }
    for (const field of PRICE_FIELDS) acc.cost += piece[field] * rate.prices[field];
  }
}

function totalsOf(sum: Accrual): UsageTotals {
  const h = hours(sum);
  return {
    vcpuHours: round(h.vcpuHour, 6),
    ramGiBHours: round(h.ramGiBHour, 6),
    volumeGiBHours: round(h.volumeGiBHour, 6),
    instanceHours: round(h.instanceHour, 6),
    objectGiBHours: round(h.objectGiBHour, 6),
  };
}

function zero(): Accrual {
  return { vcpu: 0, ramMiB: 0, diskGiB: 0, instance: 0, bytes: 0 };
}

function add(into: Accrual, more: Accrual): void {
  into.vcpu += more.vcpu;
  into.ramMiB += more.ramMiB;
  into.diskGiB += more.diskGiB;
  into.instance += more.instance;
  into.bytes += more.bytes;
}
