import type { CrashRunResult } from './crash-run.ts';

/** A table per crash point: runs, how many reached the point, and each kind of violation. */
export function summarize(results: CrashRunResult[]): string {
  const rows = new Map<string, CrashRunResult[]>();
  for (const r of results) {
    const point = r.point.replace(/@\d+ms$/, '');
    rows.set(point, [...(rows.get(point) ?? []), r]);
  }
  const header = [
    'crash point',
    'runs',
    'reached',
    'orphans',
    'duplicates',
    'stuck',
    'key',
    'outcome',
    'wall s',
  ];
  const lines = [header];
  const total = (list: CrashRunResult[], label: string) => [
    label,
    String(list.length),
    String(list.filter((r) => r.reached).length),
    String(list.filter((r) => r.orphans.length > 0).length),
    String(list.filter((r) => r.duplicates.length > 0).length),
    String(list.filter((r) => r.stuck.length > 0).length),
    String(list.filter((r) => r.keyViolations.length > 0).length),
    String(list.filter((r) => r.outcome.length > 0).length),
    (list.reduce((sum, r) => sum + r.wallMs, 0) / Math.max(1, list.length) / 1000).toFixed(1),
  ];
  for (const [point, list] of [...rows].sort(([a], [b]) => a.localeCompare(b)))
    lines.push(total(list, point));
  lines.push(total(results, 'all'));
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return [
    'crash campaign (runs with at least one violation of each kind; wall = mean seconds per run)',
    ...lines.map((l) =>
      l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    ),
  ].join('\n');
}
