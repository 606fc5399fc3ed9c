import { monotonicFactory } from 'ulid';

const ulid = monotonicFactory();

/** Broker ids: a short type prefix and a lowercase ULID (sortable by creation time). */
export type IdPrefix = 'vm' | 'op' | 'vol' | 'snap' | 'bkt' | 'lnk' | 'img' | 'req' | 'whk' | 'bkp' | 'net';

export function newId(prefix: IdPrefix): string {
  return `${prefix}-${ulid().toLowerCase()}`;
}
