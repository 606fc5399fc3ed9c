import { z } from '@hono/zod-openapi';
import { MIGRATION_STATES } from '../../core/ports/cloud/compute.ts';

export const VmMigrationSchema = z
  .object({
    id: z.string(),
    state: z.enum(MIGRATION_STATES),
    rawState: z.string().openapi({ description: "the cloud's own status word" }),
    sourceHost: z.string().optional(),
    destHost: z.string().optional(),
    progressPercent: z.number().int().min(0).max(100).optional().openapi({
      description:
        'share of the memory copied while running (where the cloud reports it); 100 once completed',
    }),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .openapi('VmMigration');

export const VmHostingSchema = z
  .object({
    targetId: z.string(),
    host: z.string().optional().openapi({
      description: 'the compute host running the VM; absent where the cloud has none to show (AWS)',
    }),
    migrations: z.array(VmMigrationSchema).openapi({ description: 'newest first' }),
  })
  .openapi('VmHosting', {
    description: 'where the VM runs inside its target: only with `?view=admin`, for admins and operators',
  });

export const VmGetQuerySchema = z.object({
  view: z.enum(['admin']).optional().openapi({
    description: "`admin`: add the VM's host and migrations (admins and operators; asks the cloud)",
  }),
});
