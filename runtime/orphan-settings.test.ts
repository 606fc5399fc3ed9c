import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { loadOrCreateDeploymentId } from './local/deployment-id.ts';

/** `HCB_ORPHAN_SERVERS` / `HCB_ORPHAN_VOLUMES`: what the reconciler does with orphans (docs/reconciler.md). */
describe('orphan settings', () => {
  it('default to deleting orphaned servers and reporting orphaned volumes', () => {
    expect(loadConfig({}).orphans).toEqual({ servers: 'delete', volumes: 'report' });
  });

  it('take delete or report for each kind', () => {
    const env = { HCB_ORPHAN_SERVERS: 'report', HCB_ORPHAN_VOLUMES: 'delete' };
    expect(loadConfig(env).orphans).toEqual({ servers: 'report', volumes: 'delete' });
  });

  it('refuse anything else at start, naming the variable', () => {
    expect(() => loadConfig({ HCB_ORPHAN_SERVERS: 'keep' })).toThrow(
      /HCB_ORPHAN_SERVERS must be delete or report/,
    );
    expect(() => loadConfig({ HCB_ORPHAN_VOLUMES: 'DELETE' })).toThrow(/HCB_ORPHAN_VOLUMES/);
  });
});

/** The deployment id the worker tags on servers and volumes; the reconciler deletes only its own orphans. */
describe('deployment id', () => {
  it('is HCB_DEPLOYMENT_ID when set, else the table on Lambda, else the data folder’s (embedded)', () => {
    expect(loadConfig({ HCB_DEPLOYMENT_ID: 'hcb-staging' }).deploymentId).toBe('hcb-staging');
    expect(loadConfig({ HCB_TABLE_NAME: 'hcb-prod-broker' }, 'lambda').deploymentId).toBe('hcb-prod-broker');
    expect(loadConfig({ HCB_TABLE_NAME: 'hcb-prod-broker' }).deploymentId).toBeUndefined();
  });

  it.each([' ', 'has space', 'ümlaut', 'x'.repeat(256), 'a/b'])('refuses %j at start', (bad) => {
    expect(() => loadConfig({ HCB_DEPLOYMENT_ID: bad })).toThrow(/HCB_DEPLOYMENT_ID: a deployment id/);
  });

  it('embedded: made once in the data folder, the same after a restart, one per folder', () => {
    const [a, b] = [mkdtempSync(join(tmpdir(), 'hcb-dep-')), mkdtempSync(join(tmpdir(), 'hcb-dep-'))];
    const first = loadOrCreateDeploymentId(a);
    expect(first).toMatch(/^hcb-[0-9a-f-]{36}$/);
    expect(loadOrCreateDeploymentId(a)).toBe(first);
    expect(loadOrCreateDeploymentId(b)).not.toBe(first);
    writeFileSync(join(b, 'deployment-id'), 'not valid\n');
    expect(() => loadOrCreateDeploymentId(b)).toThrow(/deployment-id: a deployment id/);
    for (const dir of [a, b]) rmSync(dir, { recursive: true, force: true });
  });
});
