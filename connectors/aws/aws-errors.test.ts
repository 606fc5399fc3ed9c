import { describe, expect, it } from 'vitest';
import { allowsFallback, BrokerError, isRetryable } from '../../core/errors.ts';
import { awsCall, awsCallOrAbsent, awsErrorKind, hasAwsCode, toBrokerError } from './aws-errors.ts';

/** What the SDK throws for a service error: `name` is the AWS code, `$metadata` the HTTP facts. */
const awsError = (code: string, status = 400, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`AWS says: object key patients/jane-doe.pdf (${code})`), {
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1' },
    ...extra,
  });

describe('AWS error translation', () => {
  it.each([
    ['RequestLimitExceeded', 503, 'RunInstances', 'throttled'],
    ['Throttling', 400, 'DescribeInstances', 'throttled'],
    ['SlowDown', 503, 'PutObject', 'throttled'],
    ['InsufficientInstanceCapacity', 500, 'RunInstances', 'capacity'],
    ['InstanceLimitExceeded', 400, 'RunInstances', 'capacity'],
    ['VcpuLimitExceeded', 400, 'RunInstances', 'quotaExceeded'],
    ['InvalidInstanceID.NotFound', 400, 'DescribeInstances', 'notFound'],
    ['InvalidInstanceID.Malformed', 400, 'DescribeInstances', 'notFound'],
    ['InvalidVolume.NotFound', 400, 'DeleteVolume', 'notFound'],
    ['NoSuchBucket', 404, 'GetBucketEncryption', 'notFound'],
    ['NotFound', 404, 'HeadBucket', 'notFound'],
    ['InvalidParameterValue', 400, 'RunInstances', 'invalidRequest'],
    ['InvalidParameterCombination', 400, 'RunInstances', 'invalidRequest'],
    ['IdempotentParameterMismatch', 400, 'RunInstances', 'invalidRequest'],
    ['IncorrectInstanceState', 400, 'StartInstances', 'conflict'],
    ['IncorrectState', 400, 'DetachVolume', 'conflict'],
    ['DependencyViolation', 400, 'DeleteSecurityGroup', 'conflict'],
    ['BucketNotEmpty', 409, 'DeleteBucket', 'conflict'],
    ['UnauthorizedOperation', 403, 'RunInstances', 'unauthorized'],
    ['AuthFailure', 401, 'DescribeInstances', 'unauthorized'],
    ['Unsupported', 400, 'RunInstances', 'unsupported'],
    ['InternalError', 500, 'DescribeInstances', 'unavailable'],
    ['ServiceUnavailable', 503, 'DescribeVolumes', 'unavailable'],
  ])('%s (HTTP %i) from %s is aws.%s', (code, status, operation, kind) => {
    expect(awsErrorKind(awsError(code, status), operation)).toBe(kind);
  });

  it('treats a 5xx on a creating call as ambiguous (it may have been created), not as "down"', () => {
    expect(awsErrorKind(awsError('InternalError', 500), 'RunInstances')).toBe('timeout');
    expect(awsErrorKind(awsError('InternalError', 500), 'CreateVolume')).toBe('timeout');
  });

  it('tells network failures that surely did not reach AWS from ambiguous ones', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', code: 'ECONNREFUSED' });
    const reset = Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(awsErrorKind(refused, 'RunInstances')).toBe('unavailable');
    expect(awsErrorKind(reset, 'RunInstances')).toBe('timeout');
    expect(awsErrorKind(timeout, 'DescribeInstances')).toBe('timeout');
  });

  it('lets the core fall back on capacity and retry on throttling and timeouts', () => {
    expect(allowsFallback(toBrokerError(awsError('InsufficientInstanceCapacity', 500), 'RunInstances'))).toBe(
      true,
    );
    expect(isRetryable(toBrokerError(awsError('RequestLimitExceeded', 503), 'RunInstances'))).toBe(true);
    expect(isRetryable(toBrokerError(awsError('InternalError', 500), 'RunInstances'))).toBe(true);
    expect(allowsFallback(toBrokerError(awsError('InternalError', 500), 'RunInstances'))).toBe(false);
  });

  it('keeps the cause, and keeps AWS messages (which may echo keys) out of message and details', () => {
    const original = awsError('NoSuchKey', 404);
    const error = toBrokerError(original, 'GetObject');
    expect(error).toBeInstanceOf(BrokerError);
    expect(error.code).toBe('aws.notFound');
    expect(error.cause).toBe(original);
    expect(error.message).toBe('AWS GetObject failed (NoSuchKey)');
    expect(JSON.stringify(error.details)).not.toContain('jane');
    expect(error.details).toEqual({
      operation: 'GetObject',
      awsCode: 'NoSuchKey',
      status: 404,
      requestId: 'req-1',
    });
  });

  it('wraps calls, and answers undefined for absent things where asked', async () => {
    await expect(awsCall('X', () => Promise.reject(awsError('Throttling')))).rejects.toMatchObject({
      code: 'aws.throttled',
    });
    await expect(
      awsCallOrAbsent('X', () => Promise.reject(awsError('InvalidVolume.NotFound'))),
    ).resolves.toBeUndefined();
    await expect(awsCallOrAbsent('X', () => Promise.reject(awsError('VolumeInUse')))).rejects.toMatchObject({
      code: 'aws.conflict',
    });
    const wrapped = await awsCall('X', () => Promise.reject(awsError('InvalidPermission.Duplicate'))).catch(
      (e: unknown) => e,
    );
    expect(hasAwsCode(wrapped, 'InvalidPermission.Duplicate')).toBe(true);
  });

  it('passes BrokerErrors through untouched', () => {
    const own = new BrokerError('aws.unsupported', 'no pause');
    expect(toBrokerError(own, 'X')).toBe(own);
  });
});
