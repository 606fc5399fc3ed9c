import { BrokerError } from '../../core/errors.ts';

/**
 * AWS failures translated into BrokerErrors `aws.<kind>` right where the SDK throws them. Messages name the
 * operation and the AWS error code only: AWS messages can echo request values (S3 echoes object keys), so
 * they stay in `cause`, never in the message or details (I2).
 * Error codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 */

/** What the thrown value tells us; SDK v3 service errors carry `name` = code and `$metadata`. */
interface AwsErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $retryable?: { throttling?: boolean };
}

const THROTTLED = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'EC2ThrottledException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
]);
/** "No room here right now": the core falls back to the next permitted target on this kind. */
const CAPACITY = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientAddressCapacity',
  'InsufficientVolumeCapacity',
  'InstanceLimitExceeded',
]);
const QUOTA = new Set([
  'VcpuLimitExceeded',
  'VolumeLimitExceeded',
  'SnapshotLimitExceeded',
  'ResourceLimitExceeded',
  'SecurityGroupLimitExceeded',
  'RulesPerSecurityGroupLimitExceeded',
  'MaxIOPSLimitExceeded',
  'AddressLimitExceeded',
  'TooManyBuckets',
  'TagLimitExceeded',
]);
const NOT_FOUND = new Set(['NoSuchBucket', 'NoSuchKey', 'NotFound', 'InvalidAMIID.Unavailable']);
const CONFLICT = new Set([
  'IncorrectState',
  'IncorrectInstanceState',
  'IncorrectModificationState',
  'InvalidState',
  'VolumeInUse',
  'InvalidVolume.InUse',
  'InvalidSnapshot.InUse',
  'DependencyViolation',
  'InvalidGroup.InUse',
  'InvalidGroup.Duplicate',
  'InvalidAMIName.Duplicate',
  'BucketNotEmpty',
  'BucketAlreadyExists',
  'OperationAborted',
  'ConcurrentTagAccess',
]);
const UNAUTHORIZED = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'RequestExpired',
  'InvalidAccessKeyId',
  'CredentialsProviderError',
  'Blocked',
]);
const UNSUPPORTED = new Set(['Unsupported', 'UnsupportedOperation', 'NotImplemented', 'OptInRequired']);
const INVALID = new Set([
  'MissingParameter',
  'ValidationError',
  'IdempotentParameterMismatch',
  'InvalidRequest',
  'InvalidArgument',
  'InvalidBucketName',
  'MalformedXML',
  'InvalidBlockDeviceMapping',
  'InvalidVolume.ZoneMismatch',
  'InvalidAMIName.Malformed',
]);
/** The request surely never reached AWS: a definite "no" (fallback allowed). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** The request may or may not have been carried out: ambiguous, retried on the same target after a lookup. */
const AMBIGUOUS = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'AbortError',
  'NetworkingError',
]);
/** Operations that create something: a 5xx on them is ambiguous (it may have been created), not "down". */
const CREATING = /^(Run|Create|Copy|Allocate|Authorize|Attach|Put)/;

export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as AwsErrorShape;
  return e.Code ?? e.code ?? e.name;
}

/** True when `error` (or the SDK error a BrokerError wraps) carries one of these AWS codes. */
export function hasAwsCode(error: unknown, ...codes: string[]): boolean {
  const source = error instanceof BrokerError ? error.cause : error;
  const code = awsErrorCode(source);
  return code !== undefined && codes.includes(code);
}

export function awsErrorKind(error: unknown, operation: string): string {
  const code = awsErrorCode(error) ?? '';
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLED.has(code) || e.$retryable?.throttling === true || status === 429) return 'throttled';
  if (CAPACITY.has(code)) return 'capacity';
  if (QUOTA.has(code)) return 'quotaExceeded';
  // A malformed id names nothing that can exist: for lookups and idempotent deletes that is "not found".
  if (NOT_FOUND.has(code) || code.endsWith('.NotFound') || /ID\.Malformed$|Id\.Malformed$/.test(code))
    return 'notFound';
  if (CONFLICT.has(code)) return 'conflict';
  if (UNAUTHORIZED.has(code) || status === 401 || status === 403) return 'unauthorized';
  if (UNSUPPORTED.has(code)) return 'unsupported';
  if (INVALID.has(code) || code.startsWith('InvalidParameter') || code.endsWith('.Malformed'))
    return 'invalidRequest';
  if (UNREACHABLE.has(code)) return 'unavailable';
  if (AMBIGUOUS.has(code)) return 'timeout';
  if (
    e.$fault === 'server' ||
    (status !== undefined && status >= 500) ||
    /^(InternalError|InternalFailure|ServiceUnavailable|Unavailable)$/.test(code)
  )
    return CREATING.test(operation) ? 'timeout' : 'unavailable';
  if (code.startsWith('Invalid') || (status !== undefined && status >= 400)) return 'invalidRequest';
  // No HTTP status at all: the SDK failed before or while talking to AWS; we cannot know what happened.
  return status === undefined ? 'timeout' : 'unavailable';
}

/** The BrokerError for an SDK failure of `operation` (an API action name such as `RunInstances`). */
export function toBrokerError(error: unknown, operation: string): BrokerError {
  if (error instanceof BrokerError) return error;
  const code = awsErrorCode(error) ?? 'Unknown';
  const kind = awsErrorKind(error, operation);
  const meta = (error as AwsErrorShape | undefined)?.$metadata;
  const details: Record<string, unknown> = { operation, awsCode: code };
  if (meta?.httpStatusCode !== undefined) details.status = meta.httpStatusCode;
  if (meta?.requestId !== undefined) details.requestId = meta.requestId;
  return new BrokerError(`aws.${kind}`, `AWS ${operation} failed (${code})`, {
    cause: error,
    details,
    ...(kind === 'throttled' ? { retryAfterSeconds: 1 } : {}),
  });
}

/** Runs one SDK call and translates what it throws. */
export async function awsCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toBrokerError(error, operation);
  }
}

/** Like awsCall, but answers `undefined` when AWS says the thing does not exist (idempotent deletes, lookups). */
export async function awsCallOrAbsent<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const translated = toBrokerError(error, operation);
    if (translated.kind === 'notFound') return undefined;
    throw translated;
  }
}

export function unsupported(what: string): BrokerError {
  return new BrokerError('aws.unsupported', `EC2 has no ${what}`);
}
