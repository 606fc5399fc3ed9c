import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BrokerError } from '../core/errors.ts';
import { loadPolicyBundle } from '../policy-engine/bundle/bundle-files.ts';

const POLICIES = resolve(import.meta.dirname, '../policies');

/** A copy of the shipped policies with targets.yaml replaced, as an operator's edit would. */
function withTargets(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hcb-bundle-'));
  cpSync(POLICIES, dir, { recursive: true });
  writeFileSync(join(dir, 'targets.yaml'), text);
  return dir;
}

function failure(policiesDir: string): BrokerError {
  try {
    loadPolicyBundle({ policiesDir, targetsFile: join(policiesDir, 'targets.yaml') });
  } catch (error) {
    return error as BrokerError;
  }
  throw new Error('expected the bundle to be refused');
}

describe('the bundle the broker starts with', () => {
  it('ships at least two on-prem and two public targets, in different regions', () => {
    const { catalogue } = loadPolicyBundle({
      policiesDir: POLICIES,
      targetsFile: join(POLICIES, 'targets.yaml'),
    });
    const onprem = catalogue.targets.filter((t) => t.site === 'onprem');
    const pub = catalogue.targets.filter((t) => t.site === 'public');
    expect(onprem.length).toBeGreaterThanOrEqual(2);
    expect(pub.length).toBeGreaterThanOrEqual(2);
    expect(new Set(onprem.map((t) => t.region)).size).toBe(onprem.length);
    expect(new Set(pub.map((t) => t.region)).size).toBe(pub.length);
    expect(Object.keys(catalogue.sizes)).toEqual(['small', 'medium', 'large']);
    expect(Object.keys(catalogue.images)).toContain('ubuntu-24.04');
  });

  it('refuses a targets.yaml with a YAML syntax error, naming the file and line', () => {
    const error = failure(withTargets('sizes:\n  small: { vcpus: 1\nimages: {}\n'));
    expect(error.message).toMatch(/targets\.yaml:\d+/);
  });

  it('refuses an unknown cloud, naming the line and path', () => {
    const shipped = readFileSync(join(POLICIES, 'targets.yaml'), 'utf8');
    const broken = shipped.replace('cloud: sandbox', 'cloud: azure');
    const line = broken.split('\n').findIndex((l) => l.includes('cloud: azure')) + 1;
    expect(failure(withTargets(broken)).message).toContain(`targets.yaml:${line}`);
  });

  it('refuses secrets in a connection block', () => {
    const shipped = readFileSync(join(POLICIES, 'targets.yaml'), 'utf8');
    const broken = shipped.replace('    sandbox:\n', '    connection: { password: hunter2 }\n    sandbox:\n');
    expect(failure(withTargets(broken)).message).toContain('must not hold secrets');
  });
});
