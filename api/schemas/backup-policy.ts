import { z } from '@hono/zod-openapi';
import { page, ResourceNameSchema, TagsSchema } from './common.ts';
import { CRON_PATTERN } from './cron-pattern.ts';

const RetentionSchema = z
  .union([
    z.object({ count: z.number().int().min(1).max(1000) }).strict(),
    z.object({ maxAgeDays: z.number().int().min(1).max(3650) }).strict(),
  ])
  .openapi('BackupRetention', {
    description: 'keep the newest `count` snapshots, or those younger than `maxAgeDays` (the newest always)',
  });

const SelectorSchema = z
  .union([
    z
      .object({
        tags: TagsSchema.refine((t) => Object.keys(t).length > 0, 'at least one tag').openapi({
          minProperties: 1,
        }),
      })
      .strict(),
    z
      .object({
        ids: z
          .array(z.string().regex(/^vol-[0-9a-z]{26}$/, 'a vol- id'))
          .min(1)
          .max(100),
      })
      .strict(),
  ])
  .openapi('BackupSelector', { description: 'volumes carrying all these tags, or these volumes' });

export const BackupPolicyInputSchema = z
  .object({
    name: ResourceNameSchema.openapi({ example: 'nightly' }),
    schedule: z
      .string()
      .max(100)
      .regex(
        new RegExp(CRON_PATTERN),
        'five cron fields (minute hour day-of-month month day-of-week, UTC), each *, */n, a number or an ascending range a-b',
      )
      .openapi({
        description:
          'five cron fields (minute hour day-of-month month day-of-week), evaluated in UTC; each is `*`, `*/n`, a number in its range or an ascending range `a-b` (no lists or names), and a day of month must exist in a month the schedule names alone (not `30 2`)',
        example: '0 2 * * 1-5',
      }),
    retention: RetentionSchema,
    selector: SelectorSchema,
  })
  .strict()
  .openapi('BackupPolicyInput');

export const BackupPolicySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    schedule: z.string(),
    retention: z.object({ count: z.number().int().optional(), maxAgeDays: z.number().int().optional() }),
    selector: z.object({
      tags: z.record(z.string(), z.string()).optional(),
      ids: z.array(z.string()).optional(),
    }),
    lastSlot: z.string().optional().openapi({ description: 'the last scheduled slot that was run' }),
    lastOperationId: z.string().optional().openapi({ description: "that run's backup.run operation" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('BackupPolicy');

export const BackupPolicyPageSchema = page(BackupPolicySchema, 'BackupPolicyPage');
