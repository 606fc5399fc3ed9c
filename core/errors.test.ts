import { describe, expect, it } from 'vitest';
import { allowsFallback, BrokerError, describeError, errorKind, isRetryable } from './errors.ts';

describe('BrokerError', () => {
  it('derives the kind from the last segment of the code and keeps the cause', () => {
    const cause = new Error('socket hang up');
    const error = new BrokerError('openstack.quotaExceeded', 'quota', { cause });
    expect(error.kind).toBe('quotaExceeded');
    expect(error.cause).toBe(cause);
    expect(errorKind('plain')).toBe('plain');
  });

  it.each([
    ['aws.capacity', true, false],
    ['openstack.quotaExceeded', true, false],
    ['sandbox.unavailable', true, true],
    ['aws.timeout', false, true],
    ['sandbox.lostResponse', false, true],
    ['openstack.notFound', false, false],
    ['openstack.invalidRequest', false, false],
  ])('%s: fallback %s, retry %s', (code, fallback, retry) => {
    expect(allowsFallback(new BrokerError(code, 'x'))).toBe(fallback);
    expect(isRetryable(new BrokerError(code, 'x'))).toBe(retry);
  });

  it('describes foreign errors without their message (it may hold PHI)', () => {
    expect(describeError(new Error('patient Jane Doe'))).toEqual({
      code: 'internal.unexpected',
      message: 'unexpected internal error',
    });
    expect(describeError(new BrokerError('vm.notFound', 'no VM'))).toEqual({
      code: 'vm.notFound',
      message: 'no VM',
    });
  });
});
