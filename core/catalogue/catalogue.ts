import { BrokerError } from '../errors.ts';
import type { ResourceKind, Target, TargetCatalogue } from '../model/target.ts';
import { asCatalogue, catalogueSchema, describeCatalogueIssues } from './catalogue-schema.ts';
import { offersVolumeType } from './volume-types.ts';

/** Validates a parsed `targets.yaml` document; `source` names the file in error messages. */
export function parseCatalogue(document: unknown, source: string): TargetCatalogue {
  const result = catalogueSchema.safeParse(document);
  if (!result.success) {
    const problems = describeCatalogueIssues(result.error);
    throw new BrokerError('catalogue.invalid', `${source}: ${problems.join('; ')}`, {
      details: { source, problems },
    });
  }
  return asCatalogue(result.data);
}

/** Can this target host this kind of resource with this size, image and volume type at all (before any policy)? */
export function canHost(
  target: Target,
  kind: ResourceKind,
  size?: string,
  image?: string,
  volumeType?: string,
): boolean {
  if (!target.kinds.includes(kind)) return false;
  if (volumeType !== undefined && !offersVolumeType(target, volumeType)) return false;
  if (size !== undefined && !(size in target.sizes)) return false;
  if (image !== undefined && !(image in target.images) && !image.startsWith('img-')) return false;
  return true;
}
