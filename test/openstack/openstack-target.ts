import { readFileSync } from 'node:fs';
import { parseEnvFile } from '../../connectors/openstack/credentials.ts';
import {
  OpenStackProvider,
  type OpenStackProviderOptions,
} from '../../connectors/openstack/openstack-provider.ts';
import type { Target } from '../../core/model/target.ts';

/** Written by scripts/openstack-up.sh: endpoints, names and the hcb user's credentials. */
export const OPENSTACK_ENV = process.env.HCB_OPENSTACK_ENV ?? '/var/lib/hcb-openstack/openstack.env';

export function openstackEnv(): Record<string, string> {
  return parseEnvFile(readFileSync(OPENSTACK_ENV, 'utf8'));
}

/** The real cloud on 127.0.0.1 as a catalogue target; credentials by reference (`file:`), never inline. */
export function openstackTarget(overrides: Partial<Target> = {}): Target {
  const env = openstackEnv();
  return {
    id: 'openstack-loopback',
    cloud: 'openstack',
    region: env.OS_REGION_NAME ?? 'RegionOne',
    site: 'onprem',
    description: 'real OpenStack (Debian packages, fake drivers) on 127.0.0.1',
    kinds: ['vm', 'volume', 'bucket'],
    attributes: { jurisdiction: 'US', hipaaEligible: true, encryptionAtRest: true },
    ranking: { preference: 10, costPerVcpuHour: 0 },
    sizes: { small: 'm1.small', medium: 'm1.medium', large: 'm1.large' },
    // The connector resolves image names through Glance (exactly one active image must match).
    images: { 'ubuntu-24.04': env.HCB_OPENSTACK_IMAGE ?? 'ubuntu-24.04' },
    // Cinder's default type, and the second type scripts/openstack/resources.py creates on the same backend.
    volumeTypes: { standard: '__DEFAULT__', ssd: 'ssd' },
    connection: {
      authUrl: env.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3',
      regionName: env.OS_REGION_NAME ?? 'RegionOne',
      interface: env.OS_INTERFACE ?? 'public',
      projectName: env.OS_PROJECT_NAME ?? 'hcb',
      projectDomainName: env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
      userDomainName: env.OS_USER_DOMAIN_NAME ?? 'Default',
      network: env.HCB_OPENSTACK_NETWORK ?? 'hcb-net',
      publicNetwork: env.HCB_OPENSTACK_PUBLIC_NETWORK ?? 'hcb-public',
      credentialsRef: `file:${OPENSTACK_ENV}`,
    },
    ...overrides,
  };
}

export function openstackProvider(
  options: OpenStackProviderOptions = {},
  overrides: Partial<Target> = {},
): OpenStackProvider {
  return new OpenStackProvider(openstackTarget(overrides), options);
}

/**
 * Stands in for the hypervisor's image upload, which Nova's fake driver skips: `FakeDriver.snapshot()`
 * (nova/virt/fake.py) returns without sending bytes, so a real cloud's "snapshot becomes active" never
 * happens on its own. For images the broker asked for (property `hcb:image` with the given prefix) that
 * sit `queued`, this sets the formats and uploads a few bytes, as libvirt's driver would upload the disk.
 * Test-only; the connector does nothing of the kind.
 */
export function fakeHypervisorUploads(
  provider: OpenStackProvider,
  brokerIdPrefix: string,
  everyMs = 1000,
): () => void {
  let stopped = false;
  const done = new Set<string>();
  const loop = async () => {
    while (!stopped) {
      try {
        for await (const image of provider.glance.listImages({ status: 'queued' })) {
          const brokerId = image['hcb:image'];
          if (typeof brokerId !== 'string' || !brokerId.startsWith(brokerIdPrefix) || done.has(image.id))
            continue;
          done.add(image.id);
          // Nova leaves the formats unset on a snapshot image (the real driver sets them with the upload).
          const formats = [
            { op: 'add' as const, path: '/disk_format', value: 'raw' },
            { op: 'add' as const, path: '/container_format', value: 'bare' },
          ];
          await provider.glance
            .updateImage(image.id, image.disk_format ? [] : formats)
            .then(() => provider.glance.uploadImage(image.id, new Uint8Array(4096)))
            .catch(() => done.delete(image.id));
        }
      } catch {
        // The next round tries again.
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
