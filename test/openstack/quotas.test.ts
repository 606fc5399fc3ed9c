import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import * as s from '../support/quota-scenarios.ts';
import { OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

/** The real OpenStack as the only on-prem target, the simulated public targets beside it. */
function catalogue(): string {
  const base = parse(readFileSync(FAST_TARGETS, 'utf8'));
  const { kinds: _kinds, ...openstack } = openstackTarget({ id: 'openstack-dc1' });
  base.targets = [openstack, ...base.targets.filter((t: { site: string }) => t.site !== 'onprem')];
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-quota-')), 'targets.yaml');
  writeFileSync(file, stringify(base));
  return file;
}

describe('quotas on a real OpenStack (on-prem)', () => {
  let w: s.QuotaWorld;
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: catalogue() });
    w = {
      h,
      operator: await h.token('platform', ['operator']),
      site: 'onprem',
      classification: 'phi',
      targetId: 'openstack-dc1',
      settleMs: 300_000,
    };
  });
  afterAll(() => h?.close());

  it('admits exactly K of 3K parallel phi creates on Nova, and deletes release them', () =>
    s.exactlyKOfThreeK(w, 2));
  it('releases the reservation of a create Nova refused', () => s.releasesOnFailedCreate(w));
  it('a crash between reservation and the Nova call leaks nothing after one reconcile', () =>
    s.crashLeavesNoReservation(w));
  it('rebuilds tampered counters from inventory', () => s.tamperedCountersRebuilt(w));
  it("shows the project's Nova and Cinder limits as the target's capacity", async () => {
    const resources = await s.capacityShown(w, 'nova+cinder');
    for (const r of ['instances', 'vcpus', 'ramMiB', 'volumes', 'volumeGiB', 'snapshots'])
      expect(resources[r], r).toHaveProperty('limit');
  });
});
