import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicyBundle } from '../policy-engine/bundle/bundle-files.ts';
import { loadQuotaDefaults } from './quota-config.ts';
import { loadRateCard } from './rate-card-file.ts';
import { readValidatedConfig, writeValidatedConfig } from './validated-config.ts';

const shipped = resolve(import.meta.dirname, '../policies');
const { catalogue } = loadPolicyBundle({ policiesDir: shipped });
const dirs: string[] = [];
/** A function's policies folder holding the shipped quotas and (unless told) rates. */
function functionPolicies(withRates = true) {
  const policiesDir = mkdtempSync(join(tmpdir(), 'hcb-validated-config-'));
  dirs.push(policiesDir);
  copyFileSync(join(shipped, 'quotas.yaml'), join(policiesDir, 'quotas.yaml'));
  if (withRates) copyFileSync(join(shipped, 'rates.yaml'), join(policiesDir, 'rates.yaml'));
  return { policiesDir, quotasFile: join(policiesDir, 'quotas.yaml') };
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('quota defaults and rate card validated at build time', () => {
  it('give back exactly what reading the YAML gives', async () => {
    const config = functionPolicies();
    await writeValidatedConfig(config, catalogue);
    expect(readValidatedConfig(config, catalogue)).toEqual({
      quotaDefaults: loadQuotaDefaults(config.quotasFile),
      rateCard: loadRateCard(config.policiesDir, catalogue),
    });
  });

  it('say "no rate card" when there was none', async () => {
    const config = functionPolicies(false);
    await writeValidatedConfig(config, catalogue);
    expect(readValidatedConfig(config, catalogue)?.rateCard).toBeUndefined();
  });

  it('are not trusted once a file or the catalogue differs: those are read and validated again', async () => {
    const config = functionPolicies();
    await writeValidatedConfig(config, catalogue);
    const fewerTargets = { ...catalogue, targets: catalogue.targets.slice(1) };
    expect(readValidatedConfig(config, fewerTargets)).toBeUndefined();
    appendFileSync(join(config.policiesDir, 'rates.yaml'), '# edited\n');
    expect(readValidatedConfig(config, catalogue)).toBeUndefined();

    const other = functionPolicies();
    await writeValidatedConfig(other, catalogue);
    appendFileSync(other.quotasFile, '# edited\n');
    expect(readValidatedConfig(other, catalogue)).toBeUndefined();

    const ratesGone = functionPolicies();
    await writeValidatedConfig(ratesGone, catalogue);
    rmSync(join(ratesGone.policiesDir, 'rates.yaml'));
    expect(readValidatedConfig(ratesGone, catalogue)).toBeUndefined();
  });

  it('refuse to be written from invalid files, as the broker would refuse to start', async () => {
    const config = functionPolicies();
    appendFileSync(config.quotasFile, 'extra: 1\n');
    await expect(writeValidatedConfig(config, catalogue)).rejects.toThrow(/quotas\.yaml/);
  });
});
