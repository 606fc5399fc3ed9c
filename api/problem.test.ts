import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../core/errors.ts';
import { statusFor, toProblem } from './problem.ts';

describe('the one code → status mapping', () => {
  it.each([
    ['request.invalid', 400],
    ['auth.missingToken', 401],
    ['auth.forbidden', 403],
    ['placement.noPermittedTarget', 403],
    ['vm.notFound', 404],
    ['vm.busy', 409],
    ['vm.invalidState', 409],
    ['idempotency.keyReused', 422],
    ['vm.actionUnsupported', 422],
    ['store.throttled', 429],
    ['store.unavailable', 503],
    ['openstack.notFound', 404],
    ['openstack.invalidRequest', 502],
    ['aws.throttled', 429],
    ['openstack.unavailable', 503],
    ['sandbox.timeout', 504],
    ['internal.unexpected', 500],
  ])('%s → %i', (code, status) => {
    expect(statusFor(code)).toBe(status);
  });

  it('shapes RFC 9457 problems and hides unexpected causes', () => {
    const problem = toProblem(new Error('Jane Doe, MRN 123'), '/v1/vms', 'req-1');
    expect(problem).toMatchObject({
      status: 500,
      code: 'internal.unexpected',
      detail: 'an unexpected error occurred',
      instance: '/v1/vms',
    });
    expect(JSON.stringify(problem)).not.toContain('Jane');
    const known = toProblem(new BrokerError('vm.notFound', 'no VM with id vm-1'), '/v1/vms/vm-1', undefined);
    expect(known).toMatchObject({
      type: 'https://hcb.invalid/problems/vm.notFound',
      title: 'Not Found',
      status: 404,
    });
    expect(toProblem(new HTTPException(400, { message: 'Malformed JSON' }), '/', undefined).code).toBe(
      'request.malformedJson',
    );
  });
});

/** Every error code raised in the code base, from its source: `new BrokerError('area.kind'`. */
function codesInSource(): Map<string, string> {
  const root = resolve(import.meta.dirname, '..');
  const codes = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'cdk.out', '.git', '.data', 'test'].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.test.ts'))
        for (const match of readFileSync(path, 'utf8').matchAll(/new BrokerError\(\s*'([a-z]+\.[A-Za-z]+)'/g))
          codes.set(match[1]!, path);
    }
  };
  walk(root);
  return codes;
}

describe('every error code the broker raises', () => {
  // Deliberate 500s: a broken catalogue is the operator's, an unexpected error is ours.
  const SERVER_ERRORS = new Set([
    'internal.unexpected',
    'catalogue.invalid',
    'policy.bundleInvalid',
    'secrets.misconfigured',
    'policy.bundleMissing',
  ]);

  it('maps to a deliberate status (no accidental 500s)', () => {
    const codes = codesInSource();
    expect(codes.size).toBeGreaterThan(30);
    const accidental = [...codes].filter(([code]) => statusFor(code) === 500 && !SERVER_ERRORS.has(code));
    expect(accidental).toEqual([]);
  });
});
