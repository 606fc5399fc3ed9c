import { HTTPException } from 'hono/http-exception';
import { BrokerError, errorKind, type FieldIssue } from '../core/errors.ts';
import { CLOUDS } from '../core/model/target.ts';

/** RFC 9457 problem details, as every error response of the API is shaped. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  requestId?: string;
  errors?: FieldIssue[];
  [extension: string]: unknown;
}

/** Codes whose status differs from what their kind says. */
const STATUS_BY_CODE: Record<string, number> = {
  'request.malformedJson': 400,
  'request.unsupportedMediaType': 415,
  'request.payloadTooLarge': 413,
  // Refused by the embedded HTTP server's parser, before the app sees the request.
  'request.headersTooLarge': 431,
  'request.timeout': 408,
  'request.malformed': 400,
  'request.methodNotAllowed': 405,
  'route.notFound': 404,
  'idempotency.keyReused': 422,
  'idempotency.inProgress': 409,
  'placement.noPermittedTarget': 403,
  'placement.noCandidate': 422,
  'quota.exceeded': 403,
  'placement.exhausted': 503,
  'vm.actionUnsupported': 422,
  'vm.userDataUnsupported': 422,
  // Each bound well-formed, the pair not (reversed, too long, one alone): a rule no schema can state.
  'usage.windowInvalid': 422,
  // Each limit well-formed, their sum per site over what one counter item holds: a rule across fields.
  'quota.limitsTooLarge': 422,
  'catalogue.invalid': 500,
  // A policy bundle that fails validation stops the broker at start; should one surface, it is ours.
  'policy.bundleInvalid': 500,
  'policy.bundleMissing': 500,
  // An operator's misconfigured credentials secret: ours to fix, not the client's.
  'secrets.misconfigured': 500,
  'queue.invalidMessage': 400,
  // A webhook URL that is well-formed but not allowed here (scheme, private address): SSRF guard.
  'webhook.urlRefused': 422,
  'webhook.limitReached': 409,
};

/** The status for each kind (a code's last segment). Cloud failures seen by a client are gateway errors. */
const STATUS_BY_KIND: Record<string, number> = {
  invalid: 400,
  missingToken: 401,
  invalidToken: 401,
  unauthorized: 401,
  forbidden: 403,
  denied: 403,
  notFound: 404,
  alreadyExists: 409,
  conflict: 409,
  invalidState: 409,
  readOnly: 409,
  busy: 409,
  attached: 409,
  notEmpty: 409,
  inUse: 409,
  targetMismatch: 409,
  versionConflict: 409,
  // Worker-side states: a record that vanished or was never placed conflicts with the request.
  missing: 409,
  unplaced: 409,
  userDataMissing: 409,
  unknownSize: 422,
  // The cloud ended a resource in error: the gateway's failure, not the client's.
  cloudError: 502,
  failed: 502,
  unsupported: 422,
  quotaExceeded: 409,
  overLimit: 429,
  throttled: 429,
  unavailable: 503,
  capacity: 503,
  contention: 503,
  timeout: 504,
};

/** A cloud's error codes start with its name (`openstack.quotaExceeded`). */
const CLOUD_AREAS: ReadonlySet<string> = new Set(CLOUDS);

/** The one mapping from error codes to HTTP status (docs/design.md, the API contract: one place maps error codes). */
export function statusFor(code: string): number {
  const explicit = STATUS_BY_CODE[code];
  if (explicit !== undefined) return explicit;
  const area = code.split('.')[0] ?? '';
  const byKind = STATUS_BY_KIND[errorKind(code)];
  if (CLOUD_AREAS.has(area))
    return byKind === 404 ? 404 : byKind === 429 || byKind === 503 || byKind === 504 ? byKind : 502;
  return byKind ?? 500;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function problemType(code: string): string {
  return `https://hcb.invalid/problems/${code}`;
}

/** Turns anything thrown into a problem. Unknown errors say nothing about their cause (it may hold PHI). */
export function toProblem(error: unknown, instance: string, requestId: string | undefined): Problem {
  const broker = asBrokerError(error);
  const status = statusFor(broker.code);
  const problem: Problem = {
    type: problemType(broker.code),
    title: TITLES[status] ?? 'Error',
    status,
    detail:
      status === 500 && broker.code === 'internal.unexpected'
        ? 'an unexpected error occurred'
        : broker.message,
    instance,
    code: broker.code,
  };
  if (requestId !== undefined) problem.requestId = requestId;
  if (broker.fieldIssues !== undefined) problem.errors = broker.fieldIssues;
  if (broker.details !== undefined) Object.assign(problem, { details: broker.details });
  return problem;
}

function asBrokerError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  if (error instanceof HTTPException) {
    // Hono raises these for bodies it cannot parse.
    if (error.status === 400)
      return new BrokerError('request.malformedJson', `body: ${error.message || 'malformed JSON'}`);
    if (error.status === 413) return new BrokerError('request.payloadTooLarge', 'request body is too large');
    if (error.status === 415) return new BrokerError('request.unsupportedMediaType', error.message);
  }
  return new BrokerError('internal.unexpected', 'unexpected error', { cause: error });
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}
