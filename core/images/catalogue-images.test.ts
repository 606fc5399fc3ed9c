import { describe, expect, it } from 'vitest';
import type { Page, PageRequest } from '../ports/repositories.ts';
import { type PublicImage, pageWithPublic } from './catalogue-images.ts';

const shared = ['alma-9', 'debian-13', 'ubuntu-24.04'].map(
  (id): PublicImage => ({ id, name: id, description: '', visibility: 'public', readOnly: true, targets: [] }),
);

/** A tenant list of `n` records paged by a numeric cursor, as a store would (opaque to the caller). */
function store(n: number) {
  const own = Array.from({ length: n }, (_, i) => `img-${i}`);
  return async (page: PageRequest): Promise<Page<string>> => {
    const start = page.cursor === undefined ? 0 : Number(page.cursor.replace('signed-', ''));
    const items = own.slice(start, start + page.limit);
    const next = start + items.length;
    return { items, ...(next < own.length ? { nextCursor: `signed-${next}` } : {}) };
  };
}

async function all(n: number, limit: number, filterKey = '*') {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await pageWithPublic(shared, filterKey, store(n), {
      limit,
      ...(cursor === undefined ? {} : { cursor }),
    });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items.map((i) => (typeof i === 'string' ? i : i.id)));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== undefined && pages < 50);
  return seen;
}

describe('the tenant images, then the catalogue public ones, page by page', () => {
  it.each([
    [0, 1],
    [0, 2],
    [0, 10],
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 10],
  ])('%i own images, limit %i: every item once, in order', async (n, limit) => {
    const expected = [
      ...Array.from({ length: n }, (_, i) => `img-${i}`),
      'alma-9',
      'debian-13',
      'ubuntu-24.04',
    ];
    expect(await all(n, limit)).toEqual(expected);
  });

  it('continues inside the public images with their own cursor, bound to the filter', async () => {
    const first = await pageWithPublic(shared, 't-1', store(0), { limit: 2 });
    expect(first.nextCursor).toBe('catalogue.2.t-1');
    await expect(
      pageWithPublic(shared, '*', store(0), { limit: 2, cursor: first.nextCursor! }),
    ).rejects.toMatchObject({ code: 'cursor.invalid' });
    await expect(
      pageWithPublic(shared, 't-1', store(0), { limit: 2, cursor: 'catalogue.9.t-1' }),
    ).rejects.toMatchObject({ code: 'cursor.invalid' });
  });

  it("passes any other cursor to the tenant's own list (which verifies it)", async () => {
    const page = await pageWithPublic(shared, '*', store(3), { limit: 1, cursor: 'signed-1' });
    expect(page).toEqual({ items: ['img-1'], nextCursor: 'signed-2' });
  });
});
