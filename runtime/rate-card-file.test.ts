import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicyBundle } from '../policy-engine/bundle/bundle-files.ts';
import { loadRateCard } from './rate-card-file.ts';

const policiesDir = resolve(import.meta.dirname, '../policies');
const { catalogue } = loadPolicyBundle({ policiesDir });

describe('the rate card file', () => {
  it('loads the shipped policies/rates.yaml', () => {
    const card = loadRateCard(policiesDir, catalogue);
    expect(card?.currency).toBe('USD');
    expect(card?.rates.map((r) => r.site)).toEqual(['onprem', 'public']);
  });

  it('is optional: without one, reports carry no cost', () => {
    expect(loadRateCard(mkdtempSync(join(tmpdir(), 'hcb-rates-')), catalogue)).toBeUndefined();
  });

  it('refuses an invalid card, naming the file, line and problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcb-rates-'));
    writeFileSync(
      join(dir, 'rates.yaml'),
      [
        'currency: USD',
        'rates:',
        '  - site: onprem',
        '    effectiveFrom: 2026-01-01',
        '    prices: { vcpuHour: 0.02 }',
        '  - target: sandbox-nowhere',
        '    effectiveFrom: 2026-01-01',
        '    prices: { vcpuHour: 0.02 }',
        '  - site: onprem',
        '    effectiveFrom: 2026-06-01',
        '    prices: { vcpuHour: -1 }',
      ].join('\n'),
    );
    expect(() => loadRateCard(dir, catalogue)).toThrow(
      /rates\.yaml:11: rates\.2\.prices\.vcpuHour: Too small/,
    );
    writeFileSync(
      join(dir, 'rates.yaml'),
      'currency: USD\nrates:\n  - site: onprem\n    effectiveFrom: 2026-01-01\n    prices: {}\n  - target: sandbox-nowhere\n    effectiveFrom: 2026-01-01\n    prices: {}\n  - site: onprem\n    effectiveFrom: 2026-06-01\n    prices: {}\n',
    );
    const message = (() => {
      try {
        loadRateCard(dir, catalogue);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toMatch(/rates\.yaml:6: rates\.1\.target: unknown target sandbox-nowhere/);
    expect(message).toMatch(/rates\.yaml:9: rates\.2: overlaps rates\.0 for onprem/);
  });
});
