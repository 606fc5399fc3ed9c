import { describe, expect, it } from 'vitest';
import { cronSchedule } from './cron-schedule.ts';

describe('cron schedules (UTC)', async () => {
  it('accepts five fields and names what is wrong otherwise', async () => {
    expect(await cronSchedule.problem('0 2 * * *')).toBeUndefined();
    expect(await cronSchedule.problem('*/15 * * * 1-5')).toBeUndefined();
    expect(await cronSchedule.problem('nope')).toMatch(/five cron fields/);
    expect(await cronSchedule.problem('0 0 2 * * *')).toMatch(/five cron fields/);
    expect(await cronSchedule.problem('61 * * * *')).toBeDefined();
  });

  it('gives the latest slot at or before now', async () => {
    const at = (iso: string) => new Date(iso);
    expect(await cronSchedule.latestSlot('0 2 * * *', at('2026-12-03T21:00:00Z'))).toEqual(
      at('2026-12-03T02:00:00Z'),
    );
    expect(await cronSchedule.latestSlot('0 2 * * *', at('2026-12-03T01:59:59Z'))).toEqual(
      at('2026-12-02T02:00:00Z'),
    );
    expect(await cronSchedule.latestSlot('*/5 * * * *', at('2026-12-03T21:05:00Z'))).toEqual(
      at('2026-12-03T21:05:00Z'),
    );
  });
});
