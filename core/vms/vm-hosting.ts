import { isBrokerError } from '../errors.ts';
import type { Vm } from '../model/vm.ts';
import type { ServerMigration } from '../ports/cloud/compute.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';

/** Where a VM runs inside its target and how it moved: the admin view of a VM (policy: vm.readHost). */
export interface VmHosting {
  targetId: string;
  /** The compute host, where the cloud has hosts and tells (not on AWS). */
  host?: string;
  /** Its migrations between hosts, newest first, each with its state and progress. */
  migrations: ServerMigration[];
}

/**
 * Asks the VM's cloud, which alone knows: the broker keeps no host in its records (it changes under a
 * live migration without the broker). A VM with no server yet, or whose server is gone, has no host.
 */
export async function readVmHosting(vm: Vm, providers: ProviderRegistry): Promise<VmHosting | undefined> {
  if (!vm.placement || vm.cloudId === undefined) return undefined;
  const targetId = vm.placement.targetId;
  const { compute } = providers.get(targetId);
  try {
    const [server, migrations] = await Promise.all([
      compute.getServer(vm.cloudId),
      compute.listMigrations(vm.cloudId),
    ]);
    return { targetId, ...(server.host === undefined ? {} : { host: server.host }), migrations };
  } catch (error) {
    if (isBrokerError(error, 'notFound')) return { targetId, migrations: [] };
    throw error;
  }
}
