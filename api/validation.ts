import type { ZodError, z } from 'zod';
import { BrokerError, type FieldIssue } from '../core/errors.ts';

const TARGET_NAMES: Record<string, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
};

/** A zod failure as a `request.invalid` error with one issue per field (`body.size`, `query.limit`). */
export function validationError(error: ZodError, target: string): BrokerError {
  const where = TARGET_NAMES[target] ?? target;
  const fieldIssues: FieldIssue[] = error.issues.flatMap(closest).map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const summary = fieldIssues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return new BrokerError('request.invalid', `invalid request: ${summary}`, { fieldIssues });
}

/**
 * A request that fits no member of a union (a link's shapes, a retention) is told what is wrong with the
 * member it came closest to — the one with the fewest issues, the first on a tie — field by field, rather
 * than one "invalid input" about the whole body.
 */
function closest(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const nearest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
  if (nearest.length === 0) return [issue];
  return nearest.flatMap((inner) => closest({ ...inner, path: [...issue.path, ...inner.path] }));
}
