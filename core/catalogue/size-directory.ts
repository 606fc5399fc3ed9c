import type { Cloud, Site } from '../model/target.ts';
import type { CloudLimits } from '../ports/cloud/limits.ts';
import type { QuotaResource } from '../ports/quotas.ts';
import type { TargetCapacity, TargetCapacityView } from '../targets/target-capacity.ts';
import type { TargetDirectory, TargetStatus } from '../targets/target-directory.ts';

/** Why a target cannot place a size now (codes, stable for clients). */
export const SIZE_BLOCKERS = [
  'target.down',
  'target.circuitOpen',
  'capacity.instances',
  'capacity.vcpus',
  'capacity.ramMiB',
] as const;
export type SizeBlocker = (typeof SIZE_BLOCKERS)[number];

/** A logical size on one target: the flavor or instance type it maps to, and whether it fits now. */
export interface SizeOnTarget {
  targetId: string;
  cloud: Cloud;
  site: Site;
  region: string;
  /** The target's own name for it: a Nova flavor, an EC2 instance type, a sandbox flavor. */
  flavor: string;
  /** Healthy enough and room left under the cloud's limits (as far as the cloud says). */
  placeableNow: boolean;
  blockers: SizeBlocker[];
  /** Whether the cloud's limits could be read; when not, capacity was not held against it. */
  capacityKnown: boolean;
}

export interface SizeView {
  name: string;
  vcpus: number;
  ramMiB: number;
  diskGiB: number;
  targets: SizeOnTarget[];
}

/**
 * `GET /v1/sizes`: each logical size of the catalogue with what it is (vCPUs, RAM, disk) and, on every
 * target hosting VMs that maps it, the flavor behind it and whether that target could place one now —
 * its health (the last check and the broker's circuit) and the cloud's own limits (Nova/Cinder project
 * limits, EC2 account limits, the sandbox's capacity). Policy and the tenant's quotas still decide each
 * placement; this says what the clouds offer.
 */
export class SizeDirectory {
  readonly #targets: TargetDirectory;
  readonly #capacity: TargetCapacity | undefined;

  constructor(targets: TargetDirectory, capacity?: TargetCapacity) {
    this.#targets = targets;
    this.#capacity = capacity;
  }

  async list(): Promise<SizeView[]> {
    const statuses = (await this.#targets.list()).filter((s) => s.target.kinds.includes('vm'));
    const capacities = await Promise.all(
      statuses.map((s) => (this.#capacity ? this.#capacity.of(s.target.id) : Promise.resolve(undefined))),
    );
    const { sizes } = this.#targets.catalogue;
    return Object.entries(sizes)
      .sort(([, a], [, b]) => a.vcpus - b.vcpus || a.ramMiB - b.ramMiB || a.diskGiB - b.diskGiB)
      .map(([name, spec]) => ({
        name,
        ...spec,
        targets: statuses.flatMap((status, i) => {
          const flavor = status.target.sizes[name];
          return flavor === undefined ? [] : [onTarget(status, flavor, spec, capacities[i])];
        }),
      }));
  }
}

function onTarget(
  status: TargetStatus,
  flavor: string,
  spec: { vcpus: number; ramMiB: number },
  capacity: TargetCapacityView | undefined,
): SizeOnTarget {
  const { target } = status;
  const blockers: SizeBlocker[] = [];
  if (status.health.status === 'down') blockers.push('target.down');
  if (status.circuit === 'open') blockers.push('target.circuitOpen');
  const known = capacity !== undefined && capacity.source !== 'unavailable';
  if (known) {
    const needs: [QuotaResource, number, SizeBlocker][] = [
      ['instances', 1, 'capacity.instances'],
      ['vcpus', spec.vcpus, 'capacity.vcpus'],
      ['ramMiB', spec.ramMiB, 'capacity.ramMiB'],
    ];
    for (const [resource, need, blocker] of needs)
      if (free((capacity as CloudLimits).resources[resource]) < need) blockers.push(blocker);
  }
  return {
    targetId: target.id,
    cloud: target.cloud,
    site: target.site,
    region: target.region,
    flavor,
    placeableNow: blockers.length === 0,
    blockers,
    capacityKnown: known,
  };
}

/** What is left under a limit: unlimited (null) or unknown use counts as room. */
function free(limit: { limit: number | null; used?: number } | undefined): number {
  if (!limit || limit.limit === null) return Number.POSITIVE_INFINITY;
  return limit.limit - (limit.used ?? 0);
}
