import type { AuthorizationAnswer, AuthorizationError } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DENY, EVALUATION_ERROR, verdictOf, verdictOfThrown } from './verdict.ts';

const error = (message: string) => ({ message, help: null, code: null, url: null, severity: null });
const noReason = () => undefined;
const success = (
  decision: 'allow' | 'deny',
  reason: string[],
  errors: AuthorizationError[] = [],
): AuthorizationAnswer => ({
  type: 'success',
  response: { decision, diagnostics: { reason, errors } },
  warnings: [],
});

describe('verdictOf', () => {
  it('allows with the permits that allowed', () => {
    expect(verdictOf(success('allow', ['p']), noReason)).toEqual({
      allowed: true,
      policies: ['p'],
      reasons: [],
    });
  });

  it('denies with the forbids, in their @reason words', () => {
    const verdict = verdictOf(success('deny', ['g', 'f']), (id) => (id === 'f' ? 'because' : undefined));
    expect(verdict).toEqual({ allowed: false, policies: ['f', 'g'], reasons: ['because', 'forbidden by g'] });
  });

  it('names the default deny', () => {
    expect(verdictOf(success('deny', []), noReason).policies).toEqual([DEFAULT_DENY]);
  });

  it('denies an allow that came with an evaluation error (fail closed)', () => {
    const answer = success('allow', ['p'], [{ policyId: 'f', error: error('boom') }]);
    expect(verdictOf(answer, noReason)).toEqual({
      allowed: false,
      policies: ['f'],
      reasons: ['f failed: boom (denied: fail closed)'],
    });
  });

  it('denies a failed call, and anything thrown', () => {
    expect(
      verdictOf({ type: 'failure', errors: [error('bad entity')], warnings: [] }, noReason),
    ).toMatchObject({
      allowed: false,
      policies: [EVALUATION_ERROR],
    });
    expect(verdictOfThrown(new Error('wasm trap'))).toMatchObject({
      allowed: false,
      policies: [EVALUATION_ERROR],
    });
  });
});
