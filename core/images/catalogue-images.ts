import { BrokerError } from '../errors.ts';
import type { Image } from '../model/image.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { Page, PageRequest } from '../ports/repositories.ts';

/**
 * A public image of the catalogue (`images:` in targets.yaml, such as `ubuntu-24.04`): every tenant may boot
 * from it by its logical name; nobody owns, changes or deletes it through the broker.
 */
export interface PublicImage {
  id: string;
  name: string;
  description: string;
  visibility: 'public';
  readOnly: true;
  /** The targets that offer it (those hosting VMs that map it), each with its own image id there. */
  targets: { targetId: string; cloudImage: string }[];
}

export function isPublicImage(item: Image | PublicImage): item is PublicImage {
  return 'visibility' in item && item.visibility === 'public';
}

/** The catalogue's public images, by name; with `targetId`, those that target offers. */
export function publicImages(catalogue: TargetCatalogue, filter: { targetId?: string }): PublicImage[] {
  return Object.entries(catalogue.images)
    .map(([name, { description }]): PublicImage => {
      const targets = catalogue.targets
        .filter((t) => t.kinds.includes('vm') && t.images[name] !== undefined)
        .filter((t) => filter.targetId === undefined || t.id === filter.targetId)
        .map((t) => ({ targetId: t.id, cloudImage: t.images[name]! }));
      return { id: name, name, description, visibility: 'public', readOnly: true, targets };
    })
    .filter((image) => image.targets.length > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** A public image by name, if the catalogue has one. */
export function publicImage(catalogue: TargetCatalogue, name: string): PublicImage | undefined {
  return publicImages(catalogue, {}).find((image) => image.id === name);
}

const PUBLIC_CURSOR = /^catalogue\.(0|[1-9]\d{0,3})\.(.+)$/;

/**
 * One page of the tenant's own images, then — once those are exhausted — the catalogue's public images.
 * The tenant's part pages with the tenant list's own signed cursor, bound to the tenant and filter as every
 * cursor of the broker. Only a page ending inside the public images continues with `catalogue.<offset>.
 * <filter>`: an offset into a list every tenant sees the same (it carries nothing of a tenant's, so signing
 * it would protect nothing), refused when the filter changed or the offset is past the list, like any
 * cursor the list did not issue.
 */
export async function pageWithPublic<T>(
  shared: PublicImage[],
  filterKey: string,
  own: (page: PageRequest) => Promise<Page<T>>,
  page: PageRequest,
): Promise<Page<T | PublicImage>> {
  let items: (T | PublicImage)[] = [];
  let offset = 0;
  const match = page.cursor === undefined ? null : PUBLIC_CURSOR.exec(page.cursor);
  if (match) {
    offset = Number(match[1]);
    if (match[2] !== filterKey || offset > shared.length) throw cursorRefused();
  } else {
    const mine = await own(page);
    if (mine.nextCursor) return mine;
    items = mine.items;
  }
  const room = page.limit - items.length;
  const tail = shared.slice(offset, offset + room);
  const next = offset + tail.length;
  return {
    items: [...items, ...tail],
    ...(next < shared.length ? { nextCursor: `catalogue.${next}.${filterKey}` } : {}),
  };
}

function cursorRefused(): BrokerError {
  return new BrokerError('cursor.invalid', 'query.cursor: not a cursor this list issued', {
    fieldIssues: [
      {
        field: 'query.cursor',
        message: "not a cursor this list issued (pass the previous page's nextCursor, with the same filters)",
      },
    ],
  });
}

/** DELETE on a public image: read-only, whoever asks. */
export function publicImageReadOnly(name: string): BrokerError {
  return new BrokerError(
    'image.readOnly',
    `${name} is a public image of the catalogue: read-only, it cannot be deleted or changed through the broker`,
    { details: { imageId: name, visibility: 'public' } },
  );
}
