import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import { FAST_TARGETS, startHarness } from '../support/broker-harness.ts';
import { describeFlowMatrix } from '../support/flow-matrix.ts';
import { fakeHypervisorUploads, OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

/**
 * On-prem is the real OpenStack on 127.0.0.1, as two targets (two "data centres" of one cloud, so images
 * copy between them through Glance); the public site is simulated.
 */
function catalogue(): string {
  const base = readFileSync(FAST_TARGETS, 'utf8');
  const publicPart = base.slice(base.indexOf('  - id: sandbox-public-east'));
  const head = base.slice(0, base.indexOf('targets:\n') + 'targets:\n'.length);
  const dc = (id: string, region: string, preference: number) => {
    const { kinds: _kinds, ...entry } = openstackTarget({
      id,
      region,
      ranking: { preference, costPerVcpuHour: 0.03 },
    });
    return stringify([entry], { indent: 2 })
      .split('\n')
      .map((l) => (l ? `  ${l}` : l))
      .join('\n');
  };
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-matrix-')), 'targets.yaml');
  writeFileSync(
    file,
    `${head}${dc('openstack-dc1', 'dc1', 30)}\n${dc('openstack-dc2', 'dc2', 25)}\n${publicPart}`,
  );
  return file;
}

describeFlowMatrix('OpenStack on-prem, simulated public', async (clock) => {
  const harness = await startHarness({ clock, targetsFile: catalogue() });
  // Nova's fake driver never uploads a snapshot's bytes: stand in for the hypervisor (tests only).
  const stops = ['openstack-dc1', 'openstack-dc2'].map((id) =>
    fakeHypervisorUploads(harness.broker.providers.get(id) as OpenStackProvider, 'img-'),
  );
  const cloudOf = (id: string) => harness.broker.providers.get(id).target.cloud;
  return {
    harness,
    onprem: ['openstack-dc1', 'openstack-dc2'],
    public: ['sandbox-public-east', 'sandbox-public-west'],
    sameCloud: (a, b) => cloudOf(a) === cloudOf(b),
    settleMs: 300_000,
    cleanup: async () => {
      for (const stop of stops) stop();
      await harness.close();
    },
  };
});
