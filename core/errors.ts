/**
 * The broker's one error type. Every failure that crosses a module boundary is a BrokerError with a
 * dotted code: `<area>.<kind>` (e.g. `vm.notFound`, `openstack.quotaExceeded`). The last segment — the
 * kind — is what callers branch on (fallback, retry, HTTP status); the area says where it came from.
 * The HTTP status is derived in exactly one place (api/problem.ts).
 */
export interface FieldIssue {
  /** JSON pointer-ish path into the request, e.g. `body.size` or `query.limit`. */
  field: string;
  message: string;
}

export interface BrokerErrorOptions {
  cause?: unknown;
  /** Safe-to-show structured detail (never PHI: no user data, object keys or bodies). */
  details?: Record<string, unknown>;
  fieldIssues?: FieldIssue[];
  retryAfterSeconds?: number;
}

export class BrokerError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  readonly fieldIssues: FieldIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, options: BrokerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BrokerError';
    this.code = code;
    this.details = options.details;
    this.fieldIssues = options.fieldIssues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The kind: the code's last segment (`notFound`, `capacity`, `timeout`, …). */
  get kind(): string {
    return errorKind(this.code);
  }
}

export function errorKind(code: string): string {
  const dot = code.lastIndexOf('.');
  return dot === -1 ? code : code.slice(dot + 1);
}

export function isBrokerError(error: unknown, kind?: string): error is BrokerError {
  return error instanceof BrokerError && (kind === undefined || error.kind === kind);
}

/**
 * Cloud failures after which the same request may safely go to another permitted target: the cloud said
 * a definite "no" and created nothing. Ambiguous failures (timeouts, lost responses) are deliberately
 * absent — the resource may exist, so they are retried on the same target with a lookup first (I4).
 */
const FALLBACK_KINDS = new Set(['capacity', 'quotaExceeded', 'unavailable', 'unsupported', 'noValidHost']);

export function allowsFallback(error: unknown): boolean {
  return error instanceof BrokerError && FALLBACK_KINDS.has(error.kind);
}

/** Failures worth retrying on the same target after a pause. */
const RETRYABLE_KINDS = new Set([
  'timeout',
  'overLimit',
  'throttled',
  'unavailable',
  'conflict',
  'lostResponse',
]);

export function isRetryable(error: unknown): boolean {
  return error instanceof BrokerError && RETRYABLE_KINDS.has(error.kind);
}

/** A safe, PHI-free summary of any thrown value for operation records and logs. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof BrokerError) return { code: error.code, message: error.message };
  return { code: 'internal.unexpected', message: 'unexpected internal error' };
}

/** `400 request.invalid` for one field of the request (`body.size`, `query.limit`), saying what was wrong. */
export function fieldError(field: string, message: string): BrokerError {
  return new BrokerError('request.invalid', `${field}: ${message}`, { fieldIssues: [{ field, message }] });
}
