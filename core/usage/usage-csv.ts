import type { UsageGroup, UsageReport } from './usage-report.ts';

const MEASURES = ['vcpuHours', 'ramGiBHours', 'volumeGiBHours', 'instanceHours', 'objectGiBHours'] as const;

/**
 * The report as CSV (RFC 4180): one row per group, then `total`. A cell that a spreadsheet would read as a
 * formula (`=`, `+`, `-`, `@`) is prefixed with `'`; group keys are ids and catalogue names anyway.
 */
export function usageCsv(report: UsageReport): string {
  const priced = report.currency !== undefined;
  const header = [report.groupBy, ...MEASURES, ...(priced ? ['cost', 'currency'] : [])];
  const row = (key: string, values: Omit<UsageGroup, 'key'>) => [
    key,
    ...MEASURES.map((m) => String(values[m])),
    ...(priced ? [String(values.cost ?? 0), report.currency!] : []),
  ];
  const rows = [header, ...report.groups.map((g) => row(g.key, g)), row('total', report.total)];
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

function cell(value: string): string {
  const safe = /^[=+\-@]/.test(value) && Number.isNaN(Number(value)) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
