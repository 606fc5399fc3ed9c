/** Where workloads can run: one entry of `policies/targets.yaml`. */
export const CLOUDS = ['sandbox', 'openstack', 'aws'] as const;
export type Cloud = (typeof CLOUDS)[number];

export const SITES = ['onprem', 'public'] as const;
export type Site = (typeof SITES)[number];

export const RESOURCE_KINDS = ['vm', 'volume', 'bucket', 'network'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Attributes policies can test. Known ones are typed; others pass through to Cedar as-is. */
export interface TargetAttributes {
  jurisdiction: string;
  hipaaEligible: boolean;
  encryptionAtRest: boolean;
  [name: string]: string | number | boolean;
}

export interface TargetRanking {
  /** Higher is preferred. */
  preference: number;
  /** Relative cost of one vCPU-hour; lower is preferred among equally preferred targets. */
  costPerVcpuHour: number;
}

/** How the broker reaches the target; cloud-specific, never a secret (only references to one). */
export type TargetConnection = Record<string, string | number | boolean>;

export interface Target {
  id: string;
  cloud: Cloud;
  region: string;
  site: Site;
  description: string;
  kinds: ResourceKind[];
  attributes: TargetAttributes;
  ranking: TargetRanking;
  /** Logical size → the cloud's flavor id / instance type on this target. */
  sizes: Record<string, string>;
  /** Logical image → the cloud's image id / AMI on this target. */
  images: Record<string, string>;
  /**
   * Logical volume type → the cloud's volume type on this target (a Cinder volume type, an EBS VolumeType).
   * Absent or empty: the target offers only `standard`, as the cloud's default type (volume-types.ts).
   */
  volumeTypes?: Record<string, string>;
  connection: TargetConnection;
  /**
   * Settings only this target's connector reads: the block named after its cloud in the targets file (e.g.
   * `sandbox:`, the simulation's capacity and timings). The connector validates them, not the core.
   */
  cloudSettings?: Readonly<Record<string, unknown>>;
}

export interface LogicalSize {
  vcpus: number;
  ramMiB: number;
  diskGiB: number;
}

export interface LogicalImage {
  description: string;
}

export interface LogicalVolumeType {
  description: string;
}

/** The whole catalogue: logical names clients use, and the targets that map them. */
export interface TargetCatalogue {
  sizes: Record<string, LogicalSize>;
  images: Record<string, LogicalImage>;
  /** Logical volume types (`standard`, `ssd`); absent: only `standard`. */
  volumeTypes?: Record<string, LogicalVolumeType>;
  targets: Target[];
}

export interface TargetRef {
  targetId: string;
  cloud: Cloud;
  region: string;
  site: Site;
}

export function targetRef(target: Target): TargetRef {
  return { targetId: target.id, cloud: target.cloud, region: target.region, site: target.site };
}
