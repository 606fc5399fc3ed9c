import { describe, expect, it } from 'vitest';
import { allowsFallback, isRetryable } from '../../core/errors.ts';
import { faultClass, retryAfter, translateHttpError, translateNetworkError } from './openstack-errors.ts';

const failure = (
  status: number,
  body: unknown = '',
  headers: Record<string, string> = {},
  idempotent = true,
) =>
  translateHttpError({
    op: 'nova.createServer',
    method: idempotent ? 'GET' : 'POST',
    status,
    headers: new Headers(headers),
    bodyText: typeof body === 'string' ? body : JSON.stringify(body),
    idempotent,
  });

describe('OpenStack error translation', () => {
  it.each([
    [400, { badRequest: { code: 400, message: 'Invalid input' } }, 'openstack.invalidRequest'],
    [401, { error: { code: 401, title: 'Unauthorized' } }, 'openstack.unauthorized'],
    [403, { forbidden: { code: 403, message: 'Policy does not allow' } }, 'openstack.unauthorized'],
    [
      403,
      {
        forbidden: { code: 403, message: 'Quota exceeded for cores: Requested 2, but already used 20 of 20' },
      },
      'openstack.quotaExceeded',
    ],
    [404, { itemNotFound: { code: 404, message: 'Instance could not be found' } }, 'openstack.notFound'],
    [
      409,
      { conflictingRequest: { code: 409, message: 'Cannot stop while in vm_state stopped' } },
      'openstack.conflict',
    ],
    [
      409,
      { NeutronError: { type: 'OverQuota', message: "Quota exceeded for resources: ['security_group']." } },
      'openstack.quotaExceeded',
    ],
    [413, { overLimit: { code: 413, message: 'VolumeLimitExceeded' } }, 'openstack.quotaExceeded'],
    [501, '', 'openstack.unsupported'],
    [502, '<html>Bad Gateway</html>', 'openstack.unavailable'],
    [503, '', 'openstack.unavailable'],
    [504, '', 'openstack.timeout'],
  ])('HTTP %i %j → %s', (status, body, code) => {
    expect(failure(status, body).code).toBe(code);
  });

  it('reads Retry-After on 429 and on a 413 that asks to come back (overLimit)', () => {
    const limited = failure(429, '', { 'Retry-After': '7' });
    expect(limited.code).toBe('openstack.overLimit');
    expect(limited.retryAfterSeconds).toBe(7);
    const legacy = failure(
      413,
      { overLimit: { message: 'slow down', retryAfter: '12' } },
      { 'Retry-After': '12' },
    );
    expect(legacy.code).toBe('openstack.overLimit');
    expect(legacy.retryAfterSeconds).toBe(12);
    expect(isRetryable(legacy)).toBe(true);
  });

  it('treats a 500 on a creating call as ambiguous (lostResponse), on a read as unavailable', () => {
    expect(failure(500, '', {}, false).code).toBe('openstack.lostResponse');
    expect(allowsFallback(failure(500, '', {}, false))).toBe(false);
    expect(failure(500, '', {}, true).code).toBe('openstack.unavailable');
  });

  it('lets quota, capacity and unavailability fall back to another target, but not conflicts', () => {
    expect(allowsFallback(failure(403, 'Quota exceeded'))).toBe(true);
    expect(allowsFallback(failure(503))).toBe(true);
    expect(allowsFallback(failure(409, { conflictingRequest: {} }))).toBe(false);
  });

  it('never copies the service message into the error (it can echo request data)', () => {
    const phi = 'patient Jane Doe MRN 12345';
    const error = failure(
      400,
      { badRequest: { code: 400, message: `Invalid input for field/attribute name. Value: ${phi}` } },
      {
        'X-Openstack-Request-Id': 'req-1',
      },
    );
    expect(error.message).not.toContain('Jane');
    expect(JSON.stringify(error.details)).not.toContain('Jane');
    expect(error.message).toBe('nova.createServer: HTTP 400 (badRequest)');
    expect(error.details).toMatchObject({ status: 400, fault: 'badRequest', requestId: 'req-1' });
  });

  it('keeps only a well-formed fault class name', () => {
    expect(faultClass('{"NeutronError": {"type": "SecurityGroupRuleExists"}}')).toBe(
      'SecurityGroupRuleExists',
    );
    expect(faultClass('{"some thing with spaces": {}}')).toBeUndefined();
    expect(faultClass('<html>404</html>')).toBeUndefined();
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfter(new Headers({ 'Retry-After': '3' }))).toBe(3);
    expect(retryAfter(new Headers({ 'Retry-After': 'Wed, 01 Jan 2025 00:00:10 GMT' }), '', now)).toBe(10);
    expect(retryAfter(new Headers())).toBeUndefined();
  });

  it('maps network failures: refused → unavailable (nothing sent), reset or timeout → timeout (ambiguous)', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    const reset = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
    });
    const timedOut = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(translateNetworkError(refused, 'op', 1000).code).toBe('openstack.unavailable');
    expect(translateNetworkError(reset, 'op', 1000).code).toBe('openstack.timeout');
    expect(translateNetworkError(timedOut, 'op', 1000).code).toBe('openstack.timeout');
  });
});
