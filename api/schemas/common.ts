import { z } from '@hono/zod-openapi';
import { CLASSIFICATIONS } from '../../core/classification.ts';
import { IDEMPOTENCY_KEY_PATTERN } from '../middleware/idempotency.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string().openapi({ example: 'vm.notFound' }),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

export const ClassificationSchema = z.enum(CLASSIFICATIONS).openapi('Classification', {
  description: 'phi > pii > internal > public; phi never leaves on-prem targets',
});

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: 'page size (1–100)' }),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .openapi({ description: "from the previous page's nextCursor" }),
});

export const IdParamSchema = (prefix: string) =>
  z.object({
    id: z
      .string()
      .regex(new RegExp(`^${prefix}-[0-9a-z]{26}$`), `a ${prefix}- id`)
      .openapi({ param: { name: 'id', in: 'path' }, example: `${prefix}-01jb2x3y4z5a6b7c8d9e0f1g2h` }),
  });

export const IdempotencyHeaderSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, '1–255 visible ASCII characters')
    .optional()
    .openapi({ description: 'replays the first response for the same key and body (I4)' }),
});

export const TargetRefSchema = z
  .object({
    targetId: z.string(),
    cloud: z.enum(['sandbox', 'openstack', 'aws']),
    region: z.string(),
    site: z.enum(['onprem', 'public']),
  })
  .openapi('Placement');

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: 'problem', content: { 'application/problem+json': { schema: ProblemSchema } } },
    ]),
  );

export function page<T extends z.ZodTypeAny>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().optional() }).openapi(name);
}

/**
 * JSON Schema keywords the metadata type does not list (`propertyNames`, `maxProperties`, `oneOf`); the generator
 * copies them into the document as they are.
 */
export const withJsonSchema = (keywords: Record<string, unknown>) => keywords as Record<string, never>;
