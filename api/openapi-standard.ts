import { IDEMPOTENCY_KEY_PATTERN } from './middleware/idempotency.ts';

/**
 * The responses every route can give whatever it does (authentication, the body limit, content types, the
 * idempotency guard, the state store), added to the generated OpenAPI document in one place so that each
 * route file lists only its own business statuses and a new route is documented like the others.
 */

type Json = Record<string, unknown>;
type Operation = {
  parameters?: Json[];
  requestBody?: Json;
  responses?: Record<string, Json>;
};

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

const WHY: Record<number, string> = {
  400: 'invalid request: malformed JSON, a field, query or header out of its schema (`errors[]` names each)',
  401: 'missing, expired or invalid bearer token',
  403: 'a policy denies this action (the problem names the policies where it can)',
  404: 'no such resource in your tenant',
  409: 'conflicts with the current state, or a request with the same Idempotency-Key is still running',
  413: 'request body over 64 KiB',
  415: 'request body is not application/json',
  422: 'well-formed but refused: e.g. the Idempotency-Key was used with another request',
  429: 'the state store or a cloud is throttling; retry after `Retry-After` seconds',
  431: 'request line and headers over 16 KiB (embedded server)',
  503: 'the state store or a cloud is unavailable; retry after `Retry-After` seconds',
};

const RETRY_AFTER = {
  'retry-after': { description: 'seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
};

const IDEMPOTENCY_KEY_PARAM = {
  name: 'idempotency-key',
  in: 'header',
  required: false,
  description:
    'replays the first response for the same key and body; the same key with another body is a 422',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY_PATTERN.source },
};

function problem(status: number): Json {
  return {
    description: WHY[status] ?? 'problem',
    ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/** Adds the standard problem responses and the Idempotency-Key header to every operation of `doc`. */
export function withStandardResponses<D extends { paths?: Record<string, unknown> }>(
  doc: D,
  options: { idempotencyExempt: readonly RegExp[] },
): D {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (operation) addStandard(path, method, operation, options.idempotencyExempt);
    }
  }
  return doc;
}

function addStandard(path: string, method: string, op: Operation, exempt: readonly RegExp[]): void {
  const statuses = new Set<number>([431]);
  const api = path.startsWith('/v1/');
  const mutating = MUTATING.has(method);
  const hasInput = (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined;
  const add = (...codes: number[]) => {
    for (const code of codes) statuses.add(code);
  };
  if (api) add(401, 403, 429, 503);
  if (api && (hasInput || mutating)) add(400);
  if (path.includes('{')) add(404);
  if (op.requestBody !== undefined) add(413, 415);
  // A concrete path stands in for the exempt pattern's parameters (`/v1/buckets/x/presign`).
  const concrete = path.replace(/\{[^}]+\}/g, 'x');
  if (api && mutating && !exempt.some((pattern) => pattern.test(concrete))) {
    add(409, 422);
    const others = (op.parameters ?? []).filter(
      (p) => !(p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key'),
    );
    op.parameters = [...others, IDEMPOTENCY_KEY_PARAM];
  }
  op.responses ??= {};
  for (const status of [...statuses].sort()) op.responses[String(status)] ??= problem(status);
}
