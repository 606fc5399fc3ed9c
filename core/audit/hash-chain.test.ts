import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../model/audit.ts';
import { canonicalJson, findBrokenLink, GENESIS_HASH, sealRecord } from './hash-chain.ts';

const entry = (action: string): AuditEntry => ({
  requestId: `req-${action}`,
  actor: { sub: 's', tenant: 't', roles: ['app'] },
  action,
  resource: { type: 'vm', tenant: 't' },
  outcome: 'accepted',
  httpStatus: 202,
  policies: ['p1'],
});

describe('audit hash chain', () => {
  it('hashes canonically: key order does not matter, undefined fields vanish', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
  });

  it('links each record to its predecessor and detects edits, removals and reordering', () => {
    const first = sealRecord(entry('a'), 'eu', 1, '2026-01-01T00:00:00Z', GENESIS_HASH);
    const second = sealRecord(entry('b'), 'eu', 2, '2026-01-01T00:00:01Z', first.hash);
    const third = sealRecord(entry('c'), 'eu', 3, '2026-01-01T00:00:02Z', second.hash);
    expect(findBrokenLink([first, second, third], GENESIS_HASH)).toBeUndefined();
    expect(findBrokenLink([first, { ...second, outcome: 'denied' }, third], GENESIS_HASH)).toBe(2);
    expect(findBrokenLink([first, third], GENESIS_HASH)).toBe(3);
    expect(findBrokenLink([second, first, third], GENESIS_HASH)).toBe(2);
  });
});
