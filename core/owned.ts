import { BrokerError } from './errors.ts';

/** The kinds of tenant resource a request names by id, and how messages call them. */
const LABELS = {
  vm: 'VM',
  volume: 'volume',
  snapshot: 'snapshot',
  image: 'image',
  bucket: 'bucket',
  link: 'link',
  webhook: 'webhook',
  backupPolicy: 'backup policy',
  network: 'network',
} as const;
export type OwnedKind = keyof typeof LABELS;

/**
 * The tenant's resource the lookup found, or `<kind>.notFound` (404). Lookups are tenant-scoped, so another
 * tenant's resource is indistinguishable from a missing one (I6): one place says so for every kind.
 */
export async function ownedOrNotFound<T>(
  kind: OwnedKind,
  id: string,
  lookup: Promise<T | undefined>,
): Promise<T> {
  const found = await lookup;
  if (found === undefined || found === null)
    throw new BrokerError(`${kind}.notFound`, `no ${LABELS[kind]} with id ${id}`);
  return found;
}
