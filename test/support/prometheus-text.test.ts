import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './prometheus-text.ts';

const HISTOGRAM = [
  '# HELP d_seconds latency',
  '# TYPE d_seconds histogram',
  'd_seconds_bucket{le="0.1",route="/a"} 1',
  'd_seconds_bucket{le="+Inf",route="/a"} 2',
  'd_seconds_sum{route="/a"} 0.3',
  'd_seconds_count{route="/a"} 2',
  '',
].join('\n');

describe('the strict Prometheus text parser the metrics tests rely on', () => {
  it('reads families, types, help, labels with escapes and histogram series', () => {
    const families = parsePrometheusText(
      `# HELP c_total a "count"\\nhere\n# TYPE c_total counter\nc_total{a="x\\"y\\\\z"} 3\n${HISTOGRAM}`,
    );
    expect(families.get('c_total')).toEqual({
      name: 'c_total',
      type: 'counter',
      help: 'a "count"\nhere',
      samples: [{ name: 'c_total', labels: { a: 'x"y\\z' }, value: 3 }],
    });
    expect(families.get('d_seconds')?.samples).toHaveLength(4);
  });

  it.each([
    ['a missing final newline', '# TYPE a gauge\na 1'],
    ['a bad metric name', '# TYPE 1a gauge\n1a 1\n'],
    ['an unknown escape', '# TYPE a gauge\na{l="\\t"} 1\n'],
    ['an unterminated label', '# TYPE a gauge\na{l="x} 1\n'],
    ['a bad value', '# TYPE a gauge\na one\n'],
    ['a TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['a family split in two', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n'],
    ['a duplicate series', '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ['a negative counter', '# TYPE a_total counter\na_total -1\n'],
    [
      'a histogram whose +Inf bucket differs from its count',
      HISTOGRAM.replace('d_seconds_count{route="/a"} 2', 'd_seconds_count{route="/a"} 3'),
    ],
    ['buckets out of order', HISTOGRAM.replace('le="0.1",route="/a"} 1', 'le="0.1",route="/a"} 5')],
    ['a reserved label name', '# TYPE a gauge\na{__x="1"} 1\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
