import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadOrCreateDevKey, mintDevToken } from '../auth/dev-signing-key.ts';
import type { UsageReport } from '../core/usage/usage-report.ts';
import { monthOf } from '../core/usage/usage-service.ts';
import { loadConfig } from '../runtime/config.ts';

export const REPORT_USAGE = `usage: hcb report usage --tenant <id> --month <YYYY-MM> [--group-by <g>] [--csv] [--out <file>]
                        [--url <broker>]

  a tenant's monthly usage (and cost, with a rate card) from a running broker: GET /v1/usage
  --group-by   target (default), site, classification, size or resource
  --csv        CSV instead of a table (to stdout, or to --out)
  --url        the broker (default: HCB_URL, else http://127.0.0.1:PORT)
  token: HCB_TOKEN if set, else one minted for the tenant (role auditor) with the local dev key in
  DATA_DIR — which only the embedded broker accepts
exit status: 0 done, 1 the broker refused or failed, 2 usage error
`;

const GROUPINGS = ['target', 'site', 'classification', 'size', 'resource'];

/** `hcb report usage`: the showback report of one tenant for one calendar month (docs/usage.md). */
export async function reportCommand(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      tenant: { type: 'string' },
      month: { type: 'string' },
      'group-by': { type: 'string' },
      csv: { type: 'boolean' },
      out: { type: 'string' },
      url: { type: 'string' },
    },
  });
  const usageError = (message: string) => {
    process.stderr.write(`hcb report: ${message}\n\n${REPORT_USAGE}`);
    return 2;
  };
  if (what !== 'usage') return usageError(what ? `unknown report ${what}` : 'no report named');
  if (!values.tenant || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(values.tenant))
    return usageError('--tenant: lowercase letters, digits, dashes');
  if (!values.month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month))
    return usageError('--month: a calendar month, YYYY-MM');
  const groupBy = values['group-by'] ?? 'target';
  if (!GROUPINGS.includes(groupBy)) return usageError(`--group-by: one of ${GROUPINGS.join(', ')}`);

  const config = loadConfig();
  const base = values.url ?? process.env.HCB_URL ?? `http://127.0.0.1:${config.port}`;
  const token =
    process.env.HCB_TOKEN ||
    (await mintDevToken(await loadOrCreateDevKey(config.dataDir), {
      tenant: values.tenant,
      roles: ['auditor'],
      ttlSeconds: 300,
    }));
  const { from, to } = monthOf(values.month);
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), groupBy });
  // Named explicitly: an operator's token reads that tenant; a tenant's own token must be of that tenant.
  query.set('tenant', values.tenant);
  let response: Response;
  try {
    response = await fetch(`${base}/v1/usage?${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: values.csv ? 'text/csv' : 'application/json' },
    });
  } catch {
    process.stderr.write(
      `hcb report: no broker answered at ${base} (start one with npm start, or give --url)\n`,
    );
    return 1;
  }
  const text = await response.text();
  if (!response.ok) {
    process.stderr.write(`hcb report: the broker answered ${response.status}: ${text}\n`);
    return 1;
  }
  const output = values.csv ? text : formatUsageTable(JSON.parse(text) as UsageReport, values.tenant);
  if (values.out) writeFileSync(values.out, output);
  else process.stdout.write(output);
  return 0;
}

const COLUMNS = [
  ['vCPU-h', 'vcpuHours'],
  ['RAM GiB-h', 'ramGiBHours'],
  ['volume GiB-h', 'volumeGiBHours'],
  ['instance-h', 'instanceHours'],
  ['object GiB-h', 'objectGiBHours'],
] as const;

/** A plain-text table: one row per group, then the total; cost when the report carries it. */
export function formatUsageTable(report: UsageReport, tenant: string): string {
  const priced = report.currency !== undefined;
  const header = [
    report.groupBy,
    ...COLUMNS.map(([title]) => title),
    ...(priced ? [`cost ${report.currency}`] : []),
  ];
  const row = (key: string, values: UsageReport['total']) => [
    key,
    ...COLUMNS.map(([, field]) => values[field].toFixed(3)),
    ...(priced ? [(values.cost ?? 0).toFixed(2)] : []),
  ];
  const rows = [header, ...report.groups.map((g) => row(g.key, g)), row('total', report.total)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const title = `usage of ${tenant}, ${report.from} to ${report.to}`;
  const unpriced = report.groups.some((g) => g.unpriced)
    ? '\n* some usage had no rate in force; cost counts the rest\n'
    : '';
  return `${title}\n\n${line(header)}\n${rule}\n${rows.slice(1, -1).map(line).join('\n')}${report.groups.length ? '\n' : ''}${rule}\n${line(rows.at(-1)!)}\n${unpriced}`;
}
