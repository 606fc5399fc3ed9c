import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FAST_TARGETS, startHarness } from '../support/broker-harness.ts';
import { describeNetworkApi } from '../support/network-api.ts';
import { OPENSTACK_ENV, openstackTarget } from './openstack-target.ts';

process.env.HCB_OPENSTACK_ENV ??= OPENSTACK_ENV;

/** The real OpenStack on 127.0.0.1 as the on-prem target (Neutron network, subnet, router). */
function catalogue(): string {
  const base = readFileSync(FAST_TARGETS, 'utf8');
  const { kinds: _kinds, ...entry } = openstackTarget({
    id: 'openstack-dc1',
    ranking: { preference: 30, costPerVcpuHour: 0.03 },
  });
  const openstack = stringify([entry], { indent: 2 })
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-os-net-')), 'targets.yaml');
  writeFileSync(file, base.replace('targets:\n', `targets:\n${openstack}\n`));
  return file;
}

describeNetworkApi('real OpenStack on-prem, simulated public', async () => {
  const harness = await startHarness({ targetsFile: catalogue() });
  return {
    harness,
    onprem: 'openstack-dc1',
    public: 'sandbox-public-east',
    settleMs: 120_000,
    cleanup: () => harness.close(),
  };
});
