import { BrokerError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { UsageRepository } from '../ports/usage.ts';
import type { RateCard } from './rate-card.ts';
import { buildUsageReport, type UsageGrouping, type UsageReport } from './usage-report.ts';

/** The longest window one report covers: a year and a day (a leap year's worth, and then some). */
export const MAX_USAGE_WINDOW_DAYS = 367;
const DAY_MS = 86_400_000;

export interface UsageQuery {
  /** One tenant, or every tenant (operators' platform report) when undefined. */
  tenant: string | undefined;
  /** Both or neither: without them, the current calendar month (UTC). */
  from?: string | undefined;
  to?: string | undefined;
  groupBy: UsageGrouping;
}

export interface UsageServiceDeps {
  records: UsageRepository;
  clock: Clock;
  /** The rate card in force (`policies/rates.yaml`); without one, reports carry no cost. */
  rateCard?: RateCard | undefined;
}

/** Usage reports (docs/usage.md): records read once, summed per group over the window. */
export class UsageService {
  readonly #deps: UsageServiceDeps;

  constructor(deps: UsageServiceDeps) {
    this.#deps = deps;
  }

  async report(query: UsageQuery): Promise<UsageReport> {
    const { from, to } = checkWindow(query.from, query.to, this.#deps.clock.now());
    const records = await this.#deps.records.listBefore(query.tenant, to.toISOString());
    const window = { from, to, until: this.#deps.clock.now(), groupBy: query.groupBy };
    return buildUsageReport(records, window, this.#deps.rateCard);
  }
}

/**
 * `from` before `to`, at most a year and a day apart (the schema checked their form); neither means the
 * calendar month (UTC) that `now` falls in.
 */
export function checkWindow(
  fromText: string | undefined,
  toText: string | undefined,
  now: Date,
): { from: Date; to: Date } {
  const issue = (field: string, message: string) =>
    new BrokerError('usage.windowInvalid', `invalid window: query.${field}: ${message}`, {
      fieldIssues: [{ field: `query.${field}`, message }],
    });
  if (fromText === undefined && toText === undefined) return monthOf(now);
  if (fromText === undefined) throw issue('from', 'give both from and to, or neither');
  if (toText === undefined) throw issue('to', 'give both from and to, or neither');
  const from = new Date(fromText);
  const to = new Date(toText);
  if (Number.isNaN(from.getTime())) throw malformed('from');
  if (Number.isNaN(to.getTime())) throw malformed('to');
  if (to.getTime() <= from.getTime()) throw issue('to', 'must be after from');
  if (to.getTime() - from.getTime() > MAX_USAGE_WINDOW_DAYS * DAY_MS)
    throw issue('to', `at most ${MAX_USAGE_WINDOW_DAYS} days after from`);
  return { from, to };
}

/** The calendar month (UTC) `at` falls in, or the one a `YYYY-MM` names. */
export function monthOf(at: Date | string): { from: Date; to: Date } {
  const [year, month] =
    typeof at === 'string' ? at.split('-').map(Number) : [at.getUTCFullYear(), at.getUTCMonth() + 1];
  return { from: new Date(Date.UTC(year!, month! - 1, 1)), to: new Date(Date.UTC(year!, month!, 1)) };
}

/** A bound that is no instant at all (the schema lets through only well-formed ones): a 400. */
function malformed(field: string): BrokerError {
  const message = 'an ISO 8601 instant';
  return new BrokerError('usage.invalid', `invalid request: query.${field}: ${message}`, {
    fieldIssues: [{ field: `query.${field}`, message }],
  });
}
