import type { CronSchedule } from '../core/ports/backup-policies.ts';

/** cron-parser and luxon under it (≈ 100 KiB): imported when a schedule is first looked at, not at start. */
let parser: Promise<typeof import('cron-parser').CronExpressionParser> | undefined;
const cronParser = () =>
  (parser ??= import('cron-parser').then(
    (module) => module.CronExpressionParser,
    (error: unknown) => {
      parser = undefined;
      throw error;
    },
  ));

/**
 * Backup schedules with cron-parser (https://github.com/harrisiirak/cron-parser): five fields, evaluated
 * in UTC. Six-field (seconds) expressions are refused: a backup more often than once a minute is a mistake.
 */
export const cronSchedule: CronSchedule = {
  async problem(expression) {
    if (expression.trim().split(/\s+/).length !== 5)
      return 'five cron fields (minute hour day-of-month month day-of-week), UTC';
    const CronExpressionParser = await cronParser();
    try {
      CronExpressionParser.parse(expression, { tz: 'UTC', strict: false });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : 'not a cron expression';
    }
  },
  async latestSlot(expression, now) {
    // prev() from just after `now` includes a slot falling exactly on it.
    const parsed = (await cronParser()).parse(expression, {
      tz: 'UTC',
      currentDate: new Date(now.getTime() + 1),
    });
    return parsed.hasPrev() ? parsed.prev().toDate() : undefined;
  },
};
