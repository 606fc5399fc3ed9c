import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';
import { vmLifeThroughEvents } from '../support/events-flow.ts';
import { OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

/** The real OpenStack as the preferred on-prem target, next to the simulated ones. */
function catalogue(): string {
  const { kinds: _kinds, ...entry } = openstackTarget({
    id: 'openstack-dc1',
    ranking: { preference: 30, costPerVcpuHour: 0.03 },
  });
  const openstack = stringify([entry], { indent: 2 })
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-events-')), 'targets.yaml');
  writeFileSync(file, readFileSync(FAST_TARGETS, 'utf8').replace('targets:\n', `targets:\n${openstack}\n`));
  return file;
}

describe('events with a real OpenStack target', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: catalogue(), env: { HCB_EVENTS_SETTLE_MS: '300' } });
  });
  afterAll(() => h?.close());

  it('tells a phi VM create, stop, delete on Nova and a denied placement through a webhook and the stream', async () => {
    await vmLifeThroughEvents(
      h,
      'tenant-os-events',
      { name: 'told-os', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
      { name: 'nope', size: 'small', image: 'ubuntu-24.04', classification: 'phi', region: 'us-east-1' },
      300_000,
      'openstack-dc1',
    );
  }, 600_000);
});
