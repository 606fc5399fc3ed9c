import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLASSIFICATIONS, isAtLeast, taint } from './classification.ts';

describe('classification', () => {
  it('orders phi > pii > internal > public', () => {
    expect(taint('public', 'pii', 'internal')).toBe('pii');
    expect(taint('phi', 'public')).toBe('phi');
    expect(taint()).toBe('public');
    expect(isAtLeast('pii', 'internal')).toBe(true);
    expect(isAtLeast('internal', 'pii')).toBe(false);
  });

  it('taints a derived artefact at least as high as every source', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...CLASSIFICATIONS), { minLength: 1, maxLength: 6 }),
        (sources) => {
          const derived = taint(...sources);
          return sources.every((s) => isAtLeast(derived, s)) && sources.includes(derived);
        },
      ),
    );
  });
});
