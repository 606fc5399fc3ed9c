import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

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
