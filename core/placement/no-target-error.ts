import { canHost } from '../catalogue/catalogue.ts';
import type { Classification } from '../classification.ts';
import { BrokerError } from '../errors.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { ResourceKind, TargetCatalogue } from '../model/target.ts';
import { noPermittedTargetMessage } from './region-constraint.ts';

const NOUN: Record<ResourceKind, [one: string, many: string]> = {
  vm: ['VM', 'VMs'],
  volume: ['volume', 'volumes'],
  bucket: ['bucket', 'buckets'],
  network: ['network', 'networks'],
};

/**
 * The refusal when a decision chose no target, the same for every resource kind:
 * `placement.noCandidate` when no target can host the workload at all, else `placement.noPermittedTarget`.
 * Its details say which candidates policy weighed, the deciding policies and the bundle hash they came
 * from (PHI-free: ids, classification and the requested region only).
 */
export function noTargetError(
  decision: PlacementDecision,
  catalogue: TargetCatalogue,
  kind: ResourceKind,
  classification: Classification,
  region: string | undefined,
): BrokerError {
  const [one, many] = NOUN[kind];
  const details = {
    classification,
    ...(region === undefined ? {} : { region }),
    policies: [...new Set(decision.candidates.flatMap((c) => c.policies))],
    candidates: decision.candidates.map((c) => ({
      targetId: c.targetId,
      permitted: c.permitted,
      policies: c.policies,
    })),
    bundleHash: decision.bundleHash,
  };
  if (decision.candidates.length === 0) {
    const able = catalogue.targets.filter((t) => canHost(t, kind)).length;
    return new BrokerError(
      'placement.noCandidate',
      `no target can host this ${one} (${able} host ${many} at all)`,
      { details },
    );
  }
  return new BrokerError(
    'placement.noPermittedTarget',
    noPermittedTargetMessage(`a ${classification} ${one}`, region),
    { details },
  );
}
