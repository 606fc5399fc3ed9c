import type { Cloud, LogicalVolumeType, Site, Target, TargetCatalogue } from '../model/target.ts';

/** The logical volume type a volume gets when none is asked for; every catalogue lists it. */
export const STANDARD_VOLUME_TYPE = 'standard';

/** A catalogue that names no volume types offers `standard` alone. */
export const DEFAULT_VOLUME_TYPES: Record<string, LogicalVolumeType> = {
  [STANDARD_VOLUME_TYPE]: { description: 'general-purpose block storage' },
};

/**
 * What a target offers: logical type → the cloud's own volume type, or `null` for the cloud's default type
 * (the connector then names none). A target that maps no types offers `standard` as the cloud's default —
 * so a catalogue written before volume types existed keeps working unchanged.
 */
export function volumeTypesOf(target: Target): Record<string, string | null> {
  const mapped = target.volumeTypes ?? {};
  return Object.keys(mapped).length > 0 ? mapped : { [STANDARD_VOLUME_TYPE]: null };
}

export function offersVolumeType(target: Target, type: string): boolean {
  return type in volumeTypesOf(target);
}

/** The cloud's volume type behind a logical one on this target; `undefined`: the cloud's default. */
export function cloudVolumeType(target: Target, type: string): string | undefined {
  return volumeTypesOf(target)[type] ?? undefined;
}

/** Every logical volume type of the catalogue, sorted. */
export function logicalVolumeTypes(catalogue: TargetCatalogue): Record<string, LogicalVolumeType> {
  return catalogue.volumeTypes ?? DEFAULT_VOLUME_TYPES;
}

export interface VolumeTypeOnTarget {
  targetId: string;
  cloud: Cloud;
  site: Site;
  region: string;
  /** The target's own volume type (Cinder volume type, EBS VolumeType); null: the cloud's default. */
  volumeType: string | null;
}

export interface VolumeTypeView {
  name: string;
  description: string;
  targets: VolumeTypeOnTarget[];
}

/**
 * `GET /v1/volume-types`: each logical volume type with, on every target hosting volumes that offers it,
 * the cloud's volume type behind it — like `GET /v1/sizes` for flavors.
 */
export function listVolumeTypes(catalogue: TargetCatalogue): VolumeTypeView[] {
  const hosts = catalogue.targets.filter((t) => t.kinds.includes('volume'));
  return Object.entries(logicalVolumeTypes(catalogue))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, { description }]) => ({
      name,
      description,
      targets: hosts.flatMap((target) =>
        offersVolumeType(target, name)
          ? [
              {
                targetId: target.id,
                cloud: target.cloud,
                site: target.site,
                region: target.region,
                volumeType: volumeTypesOf(target)[name] ?? null,
              },
            ]
          : [],
      ),
    }));
}
