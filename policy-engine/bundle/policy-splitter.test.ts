import { describe, expect, it } from 'vitest';
import { splitPolicies } from './policy-splitter.ts';

describe('splitPolicies', () => {
  it('finds each policy with its annotations, skipping comments between them', () => {
    const text = [
      '// header; with a semicolon',
      '@id("a")',
      'permit (principal, action, resource);',
      '',
      '// note',
      '@id("b") forbid (principal, action, resource) when { context.x == "x;y\\"; z" };',
    ].join('\n');
    const spans = splitPolicies(text);
    expect(spans.map((s) => s.text)).toEqual([
      '@id("a")\npermit (principal, action, resource);',
      '@id("b") forbid (principal, action, resource) when { context.x == "x;y\\"; z" };',
    ]);
    expect(text.slice(spans[1]!.start, spans[1]!.end)).toBe(spans[1]!.text);
  });

  it('ignores `//` inside strings and comments at the end of a line', () => {
    const text =
      '@id("u") permit (principal, action, resource) when { context.u like "http://*" }; // done;\n';
    expect(splitPolicies(text)).toHaveLength(1);
  });

  it('returns nothing for a file of comments', () => {
    expect(splitPolicies('// nothing here;\n\n// still nothing\n')).toEqual([]);
  });
});
