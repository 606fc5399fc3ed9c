import { BrokerError } from '../../core/errors.ts';

/**
 * Translation of OpenStack failures into `openstack.<kind>` BrokerErrors, where they happen (in http.ts).
 *
 * Messages and details are PHI-free by construction: they name the operation (`nova.createServer`), the
 * HTTP status, the fault *class* the service reported (`badRequest`, `OverQuota`, …) and the request id
 * for correlation with the cloud's logs — never the service's message text, which can echo request
 * fields (Nova's 400s quote the offending value; Swift's 404 page names the object).
 */
export type OpenStackErrorKind =
  | 'notFound'
  | 'conflict'
  | 'quotaExceeded'
  | 'overLimit'
  | 'unavailable'
  | 'timeout'
  | 'lostResponse'
  | 'invalidRequest'
  | 'unsupported'
  | 'unauthorized'
  | 'invalidConfig';

export interface HttpFailure {
  /** PHI-free operation label, e.g. `cinder.createVolume`. */
  op: string;
  method: string;
  status: number;
  headers: Headers;
  /** The response body, read only to classify — never copied into the error. */
  bodyText: string;
  /** Whether the request may be repeated safely (decides how a 500 is read). */
  idempotent: boolean;
}

export function openstackError(
  kind: OpenStackErrorKind,
  message: string,
  options: ConstructorParameters<typeof BrokerError>[2] = {},
): BrokerError {
  return new BrokerError(`openstack.${kind}`, message, options);
}

/** The error for an HTTP status the call did not accept. */
export function translateHttpError(failure: HttpFailure): BrokerError {
  const { status, op } = failure;
  const fault = faultClass(failure.bodyText);
  const retryAfterSeconds = retryAfter(failure.headers, failure.bodyText);
  const kind = kindOf(failure, fault, retryAfterSeconds);
  const details: Record<string, unknown> = { status, op };
  if (fault) details.fault = fault;
  const requestId =
    failure.headers.get('x-openstack-request-id') ?? failure.headers.get('x-compute-request-id');
  if (requestId) details.requestId = requestId;
  const transId = failure.headers.get('x-trans-id');
  if (transId) details.requestId = transId;
  return openstackError(kind, `${op}: HTTP ${status}${fault ? ` (${fault})` : ''}`, {
    details,
    ...(retryAfterSeconds === undefined || kind !== 'overLimit' ? {} : { retryAfterSeconds }),
  });
}

function kindOf(
  f: HttpFailure,
  fault: string | undefined,
  retryAfterSeconds: number | undefined,
): OpenStackErrorKind {
  const { status } = f;
  if (status === 400) return 'invalidRequest';
  if (status === 401) return 'unauthorized';
  // Nova answers an exceeded quota with 403 ("Quota exceeded for cores…"),
  // https://docs.openstack.org/api-ref/compute/#create-server (403 Forbidden).
  if (status === 403) return mentionsQuota(f.bodyText) ? 'quotaExceeded' : 'unauthorized';
  if (status === 404) return 'notFound';
  // Neutron answers an exceeded quota with 409 OverQuota,
  // https://docs.openstack.org/api-ref/network/v2/#quotas-extension-quotas
  if (status === 409)
    return fault === 'OverQuota' || mentionsQuota(f.bodyText) ? 'quotaExceeded' : 'conflict';
  // 413 is "over quota" (Cinder, Glance, Swift) unless the service asks to come back later, which is
  // the legacy rate-limit answer (https://docs.openstack.org/api-guide/compute/limits.html).
  if (status === 413) return retryAfterSeconds === undefined ? 'quotaExceeded' : 'overLimit';
  if (status === 429) return 'overLimit';
  if (status === 501) return 'unsupported';
  if (status === 502 || status === 503) return 'unavailable';
  if (status === 504) return 'timeout';
  // A 500 on a creating call is ambiguous: the resource may exist. The caller looks up before retrying.
  if (status >= 500) return f.idempotent ? 'unavailable' : 'lostResponse';
  return 'invalidRequest';
}

function mentionsQuota(body: string): boolean {
  return /quota|OverQuota|LimitExceeded/i.test(body);
}

/**
 * The class of fault the service reported: Nova/Cinder wrap errors as `{ "<faultName>": { message, code } }`,
 * Neutron as `{ "NeutronError": { type, message } }`, Keystone as `{ "error": { title } }`.
 * Only the class name is returned — a fixed vocabulary, never request data.
 */
export function faultClass(bodyText: string): string | undefined {
  if (!bodyText.startsWith('{')) return undefined;
  try {
    const body = JSON.parse(bodyText) as Record<string, unknown>;
    const neutron = body.NeutronError as { type?: unknown } | undefined;
    if (neutron && typeof neutron.type === 'string') return safeWord(neutron.type);
    const keystone = body.error as { title?: unknown } | undefined;
    if (keystone && typeof keystone.title === 'string') return safeWord(keystone.title.replace(/\s+/g, ''));
    const [first] = Object.keys(body);
    return first && typeof body[first] === 'object' ? safeWord(first) : undefined;
  } catch {
    return undefined;
  }
}

const safeWord = (word: string): string | undefined =>
  /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(word) ? word : undefined;

/** Retry-After in seconds: the header (seconds or HTTP date) or Nova/Cinder's `overLimit.retryAfter`. */
export function retryAfter(headers: Headers, bodyText = '', now = Date.now()): number | undefined {
  const header = headers.get('retry-after');
  if (header !== null) {
    const seconds = Number(header.trim());
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  const match = /"retryAfter"\s*:\s*"?(\d+)/.exec(bodyText);
  return match ? Number(match[1]) : undefined;
}

/** Network-level failures (no HTTP response): the request may or may not have been executed. */
export function translateNetworkError(error: unknown, op: string, timeoutMs: number): BrokerError {
  const code = networkCode(error);
  if (code === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return openstackError('timeout', `${op}: no response within ${timeoutMs} ms`, {
      cause: error,
      details: { op },
    });
  // Nothing reached the service: a definite "no", safe to retry or fall back.
  if (neverSent(code))
    return openstackError('unavailable', `${op}: cannot connect (${code})`, {
      cause: error,
      details: { op, code },
    });
  return openstackError('timeout', `${op}: connection failed (${code ?? 'network error'})`, {
    cause: error,
    details: { op, ...(code ? { code } : {}) },
  });
}

export function neverSent(code: string | undefined): boolean {
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

/** The error code of a fetch failure (`ECONNRESET`, `UND_ERR_SOCKET`, `TimeoutError`, …). */
export function networkCode(error: unknown): string | undefined {
  if (error instanceof DOMException) return error.name;
  if (!(error instanceof Error)) return undefined;
  const cause = (error as { cause?: unknown }).cause;
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  if (cause instanceof Error) {
    const causeCode = (cause as { code?: unknown }).code;
    if (typeof causeCode === 'string') return causeCode;
    if (cause.name === 'TimeoutError') return 'TimeoutError';
  }
  return error.name === 'TimeoutError' || error.name === 'AbortError' ? 'TimeoutError' : undefined;
}
