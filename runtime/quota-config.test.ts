import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../core/errors.ts';
import { loadQuotaDefaults } from './quota-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'hcb-quota-config-'));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const failure = (file: string): BrokerError => {
  try {
    loadQuotaDefaults(file);
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error('loaded');
};

describe('quota defaults (policies/quotas.yaml)', () => {
  it('loads the shipped file: every resource of both sites', () => {
    const defaults = loadQuotaDefaults(resolve(import.meta.dirname, '../policies/quotas.yaml'));
    expect(defaults.onprem.vcpus).toBe(64);
    expect(Object.keys(defaults.public).sort()).toEqual(
      ['buckets', 'instances', 'ramMiB', 'snapshots', 'vcpus', 'volumeGiB', 'volumes'].sort(),
    );
  });

  it('refuses to start on a missing, incomplete, mistyped or oversized file, naming the problem', () => {
    expect(failure(join(dir, 'absent.yaml')).code).toBe('policy.bundleMissing');
    const partial = failure(write('partial.yaml', 'defaults:\n  onprem: { instances: 1 }\n'));
    expect(partial.code).toBe('policy.bundleInvalid');
    expect(partial.message).toContain('defaults.onprem.vcpus');
    const full = '{ instances: 1, vcpus: 1, ramMiB: 1, volumes: 1, volumeGiB: 1, snapshots: 1, buckets: 1 }';
    const negative = failure(
      write('neg.yaml', `defaults:\n  onprem: ${full.replace('vcpus: 1', 'vcpus: -1')}\n  public: ${full}\n`),
    );
    expect(negative.message).toContain('defaults.onprem.vcpus');
    const unknown = failure(
      write('cores.yaml', `defaults:\n  onprem: ${full.replace('}', ', cores: 2 }')}\n  public: ${full}\n`),
    );
    expect(unknown.code).toBe('policy.bundleInvalid');
    const huge = failure(
      write(
        'huge.yaml',
        `defaults:\n  onprem: ${full.replace('instances: 1', 'instances: 6000')}\n  public: ${full}\n`,
      ),
    );
    expect(huge.code).toBe('policy.bundleInvalid');
    expect(huge.message).toContain('defaults.onprem');
  });
});
