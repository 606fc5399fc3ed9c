import type { HeldRecord } from '../core/reconcile/quota-reconcile.ts';
import type { BrokerStores } from './stores.ts';

/** The record of a resource holding quota, by its id's prefix (for the reconciler). */
export async function heldRecord(
  stores: Pick<BrokerStores, 'vms' | 'volumes' | 'snapshots' | 'buckets'>,
  tenant: string,
  id: string,
): Promise<HeldRecord | undefined> {
  const prefix = id.slice(0, id.indexOf('-'));
  const repository = { vm: stores.vms, vol: stores.volumes, snap: stores.snapshots, bkt: stores.buckets }[
    prefix
  ];
  return (await repository?.get(tenant, id)) as HeldRecord | undefined;
}
