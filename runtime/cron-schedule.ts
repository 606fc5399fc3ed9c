import { CronExpressionParser } from 'cron-parser';
import type { CronSchedule } from '../core/ports/backup-policies.ts';

/**
 * Backup schedules with cron-parser (https://github.com/harrisiirak/cron-parser): five fields, evaluated
 * in UTC. Six-field (seconds) expressions are refused: a backup more often than once a minute is a mistake.
 */
export const cronSchedule: CronSchedule = {
  problem(expression) {
    if (expression.trim().split(/\s+/).length !== 5)
      return 'five cron fields (minute hour day-of-month month day-of-week), UTC';
    try {
      CronExpressionParser.parse(expression, { tz: 'UTC', strict: false });
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : 'not a cron expression';
    }
  },
  latestSlot(expression, now) {
    // prev() from just after `now` includes a slot falling exactly on it.
    const parsed = CronExpressionParser.parse(expression, {
      tz: 'UTC',
      currentDate: new Date(now.getTime() + 1),
    });
    return parsed.hasPrev() ? parsed.prev().toDate() : undefined;
  },
};
