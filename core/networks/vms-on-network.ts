import type { VmRepository } from '../ports/repositories.ts';

/**
 * The ids of the tenant's VMs not yet deleted that joined the network. Reads the tenant's VM records a page
 * at a time (a tenant's VMs are few enough; a network delete is rare).
 */
export async function vmsOnNetwork(vms: VmRepository, tenant: string, networkId: string): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await vms.list(tenant, {}, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const vm of page.items) if (vm.networks?.includes(networkId)) found.push(vm.id);
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}
