import { z } from '@hono/zod-openapi';
import { OPERATION_STATUSES } from '../../core/model/operation.ts';
import { SITES } from '../../core/model/target.ts';

export const CandidateSchema = z
  .object({
    targetId: z.string(),
    cloud: z.string(),
    region: z.string(),
    site: z.enum(SITES),
    permitted: z.boolean(),
    policies: z.array(z.string()),
    reasons: z.array(z.string()),
    rank: z.number().int().optional(),
  })
  .openapi('CandidateDecision');

export const PlacementDecisionSchema = z
  .object({
    chosen: z
      .object({ targetId: z.string(), cloud: z.string(), region: z.string(), site: z.string() })
      .optional(),
    candidates: z.array(CandidateSchema),
    bundleHash: z.string(),
    engine: z.string(),
    decidedAt: z.string(),
  })
  .openapi('PlacementDecision');

export const OperationSchema = z
  .object({
    id: z.string(),
    kind: z.string().openapi({ example: 'vm.create' }),
    resource: z.object({ type: z.string(), id: z.string() }),
    status: z.enum(OPERATION_STATUSES),
    steps: z.array(
      z.object({
        name: z.string(),
        status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
        startedAt: z.string(),
        endedAt: z.string().optional(),
        attempts: z.number().int(),
        note: z.string().optional(),
      }),
    ),
    result: z.record(z.string(), z.string()).optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    placement: PlacementDecisionSchema.optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Operation');
