import type { ZodError } from 'zod';
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
  const fieldIssues: FieldIssue[] = error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const summary = fieldIssues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return new BrokerError('request.invalid', `invalid request: ${summary}`, { fieldIssues });
}
