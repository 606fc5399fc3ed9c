import type { OpenStackProvider } from '../../connectors/openstack/openstack-provider.ts';
import { describeProviderContract } from '../contract/provider-contract.ts';
import { fakeHypervisorUploads, openstackProvider } from './openstack-target.ts';

/**
 * The shared provider contract against real OpenStack (Zed from Debian's packages, fake drivers below
 * Nova and Cinder) on 127.0.0.1, brought up by scripts/openstack-up.sh.
 */
let provider: OpenStackProvider;
let stopUploads: () => void = () => undefined;

describeProviderContract('openstack', async () => {
  provider = openstackProvider();
  const health = await provider.health();
  if (health.status !== 'healthy')
    throw new Error(`OpenStack on 127.0.0.1 is ${health.status}: ${health.detail ?? ''}`);
  stopUploads = fakeHypervisorUploads(provider, 'img-contract-');
  return {
    provider,
    size: 'small',
    otherSize: 'medium',
    image: 'ubuntu-24.04',
    // Fake-driver transitions take 0.5–3 s on an idle cloud; the bound leaves room for a busy one.
    settleTimeoutMs: 240_000,
    // Cinder's default type and the one scripts/openstack/resources.py adds on the same (fake LVM) backend.
    volumeTypes: ['__DEFAULT__', 'ssd'],
    // Debian's fake LVM backend (FakeBrickLVM) has no extend_volume: Cinder accepts os-extend (202) and
    // the volume ends in error_extending, attached or not.
    extendUnavailable: 'FakeBrickLVM has no extend_volume',
    pollMs: 500,
    cleanup: async () => {
      stopUploads();
      await removeLeftovers(provider);
    },
  };
});

/** Whatever a failed run left behind (the suite's own teardown removes the rest). */
async function removeLeftovers(p: OpenStackProvider): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  for await (const s of p.nova.listServers({ name: '^contract-' }))
    if (s.metadata?.['hcb:test'] === 'contract')
      jobs.push(p.compute.deleteServer(s.id).catch(() => undefined));
  for await (const v of p.cinder.listVolumes())
    if (
      /^vol-(contract|extend|restore|retype)-/.test(v.metadata?.['hcb:volume'] ?? '') &&
      ['available', 'error', 'error_extending'].includes(v.status)
    )
      jobs.push(p.blockStorage.deleteVolume(v.id).catch(() => undefined));
  for await (const i of p.glance.listImages())
    if (typeof i['hcb:image'] === 'string' && i['hcb:image'].startsWith('img-contract-'))
      jobs.push(p.images.deleteImage(i.id).catch(() => undefined));
  await Promise.all(jobs);
}
