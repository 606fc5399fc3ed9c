/**
 * The backup schedule's documented pattern: five cron fields (minute hour day-of-month month day-of-week,
 * UTC), each `*`, `*∕n` (every n), a number or an ascending range `a-b`. Every text it matches is one
 * cron-parser accepts (runtime/cron-schedule.ts), so a schema-valid schedule is a valid one: numbers stay
 * in their field's bounds, a range never runs backwards, and a day of month is never one its only month
 * lacks (cron-parser refuses `30 2`, `31 4`). Lists (`0,30`) and names (`mon`) are left out: a list's
 * repeated values, which cron-parser refuses, are not something a pattern can rule out.
 */

/** The integers lo..hi (hi < 100) without leading zeros, as a regular expression. */
function numbers(lo: number, hi: number): string {
  const parts: string[] = [];
  const ones = (a: number, b: number) => (a === b ? `${a}` : `[${a}-${b}]`);
  if (lo <= 9) parts.push(ones(lo, Math.min(hi, 9)));
  for (let tens = Math.max(1, Math.floor(lo / 10)); tens <= Math.floor(hi / 10); tens++) {
    const from = Math.max(lo, tens * 10) % 10;
    const to = Math.min(hi, tens * 10 + 9) % 10;
    if (tens * 10 + from <= hi) parts.push(`${tens}${ones(from, to)}`);
  }
  return parts.length === 1 ? parts[0]! : `(?:${parts.join('|')})`;
}

const STEP = '\\*/[1-9][0-9]?';

/** `*`, `*∕n`, a number in lo..hi from `values`, or an ascending range within lo..hi. */
function field(lo: number, hi: number, values = numbers(lo, hi)): string {
  const ranges: string[] = [];
  for (let a = lo; a < hi; a++) ranges.push(`${a}-${numbers(a + 1, hi)}`);
  return `(?:\\*|${STEP}|${values}|${ranges.join('|')})`;
}

const MINUTE = field(0, 59);
const HOUR = field(0, 23);
const WEEKDAY = field(0, 7);
/** A day of month whose earliest day is in every month (1–29: February has 29 in a leap year). */
const EARLY_DAY = `(?:\\*|${STEP}|${numbers(1, 29)}|${Array.from({ length: 29 }, (_, i) => `${i + 1}-${numbers(i + 2, 31)}`).join('|')})`;
const MONTH = field(1, 12);
const MONTH_NOT_FEBRUARY = field(1, 12, '(?:1|[3-9]|1[0-2])');
const MONTH_WITH_31 = field(1, 12, '(?:1|3|5|7|8|10|12)');
const DAY_AND_MONTH = `(?:${EARLY_DAY} ${MONTH}|(?:30|30-31) ${MONTH_NOT_FEBRUARY}|31 ${MONTH_WITH_31})`;

export const CRON_PATTERN = `^${MINUTE} ${HOUR} ${DAY_AND_MONTH} ${WEEKDAY}$`;
