import type { CloudLimit, CloudLimits } from '../../core/ports/cloud/limits.ts';
import type { Cinder } from './cinder.ts';
import type { Nova } from './nova.ts';

/** OpenStack says -1 for unlimited. */
function limitOf(max: number, used: number | undefined): CloudLimit {
  return { limit: max < 0 ? null : max, ...(used === undefined ? {} : { used }) };
}

/** The project's Nova and Cinder limits, in the broker's quota terms (docs/quotas.md). */
export async function openStackLimits(nova: Nova, cinder: Cinder): Promise<CloudLimits> {
  const [compute, storage] = await Promise.all([nova.getLimits(), cinder.getLimits()]);
  return {
    source: 'nova+cinder',
    resources: {
      instances: limitOf(compute.maxTotalInstances, compute.totalInstancesUsed),
      vcpus: limitOf(compute.maxTotalCores, compute.totalCoresUsed),
      ramMiB: limitOf(compute.maxTotalRAMSize, compute.totalRAMUsed),
      volumes: limitOf(storage.maxTotalVolumes, storage.totalVolumesUsed),
      volumeGiB: limitOf(storage.maxTotalVolumeGigabytes, storage.totalGigabytesUsed),
      snapshots: limitOf(storage.maxTotalSnapshots, storage.totalSnapshotsUsed),
    },
  };
}
