import type { Classification } from '../classification.ts';
import { isAtLeast } from '../classification.ts';
import { BrokerError } from '../errors.ts';
import type { Network } from '../model/network.ts';
import type { PlacementDecision } from '../model/placement.ts';
import { ownedOrNotFound } from '../owned.ts';
import { pinnedDecision } from '../placement/pinned-decision.ts';
import type { NetworkRepository } from '../ports/network-repository.ts';

/**
 * The tenant networks a new VM names (`networks: [net-…]`), checked before anything is written: each the
 * tenant's own (another tenant's is a 404, I6), active, classified at least as the VM (a phi VM never joins
 * a public network: 403), and all on one target.
 */
export async function networksForVm(
  repository: NetworkRepository | undefined,
  tenant: string,
  vm: { classification: Classification; networks?: string[] },
): Promise<Network[]> {
  const ids = vm.networks ?? [];
  if (ids.length === 0) return [];
  const found: Network[] = [];
  for (const id of ids) {
    const network = await ownedOrNotFound(
      'network',
      id,
      repository ? repository.get(tenant, id) : Promise.resolve(undefined),
    );
    if (network.status !== 'active' || !network.placement)
      throw new BrokerError('network.invalidState', `network ${id} is ${network.status}`, {
        details: { networkId: id, status: network.status },
      });
    if (!isAtLeast(network.classification, vm.classification))
      throw new BrokerError(
        'network.denied',
        `a ${vm.classification} VM may not join the ${network.classification} network ${id}`,
        { details: { networkId: id, networkClassification: network.classification } },
      );
    found.push(network);
  }
  const targets = new Set(found.map((n) => n.placement!.targetId));
  if (targets.size > 1)
    throw new BrokerError('network.targetMismatch', 'the networks are on different targets; a VM joins one', {
      details: { targetIds: [...targets] },
    });
  return found;
}

/**
 * A VM runs where its networks are: the decision is pinned to their target, which policy must permit for
 * this VM (classification, region, tenant) — otherwise a 409 naming the network's target.
 */
export function placeOnNetworks(decision: PlacementDecision, networks: Network[]): PlacementDecision {
  const first = networks[0];
  if (!first) return decision;
  const targetId = first.placement!.targetId;
  const pinned = pinnedDecision(decision, targetId, "VMs run on their networks' target");
  if (!pinned.chosen)
    throw new BrokerError(
      'network.targetMismatch',
      `the VM may not run on target ${targetId}, where network ${first.id} is`,
      { details: { networkId: first.id, targetId } },
    );
  return pinned;
}
