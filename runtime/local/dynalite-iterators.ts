import { createRequire } from 'node:module';

/** The part of an abstract-level iterator this fix touches. */
interface LevelIterator {
  close(): Promise<void>;
  return?: () => Promise<void>;
}

interface LevelDb {
  keys(options?: unknown): LevelIterator;
  values(options?: unknown): LevelIterator;
}

interface DynaliteDbModule {
  create(options: unknown): { db: LevelDb };
}

/** Iterators the embedded store has opened and not closed yet (tests read it; a leak makes it grow). */
export interface IteratorCount {
  open(): number;
  /** Every iterator opened so far (a test proves the fix is in place: reads went through it). */
  opened(): number;
}

const dynaliteDb = createRequire(import.meta.url)('dynalite/db/index.js') as DynaliteDbModule;

/**
 * Runs `start` (which must call `dynalite()` synchronously) so that the store it creates closes every
 * iterator it opens.
 *
 * Why: dynalite 4 reads tables through Readable streams over abstract-level iterators and, when a stream
 * ends or is destroyed, closes the iterator by calling `iterator.return()` — but abstract-level iterators
 * have no `return()`; they have `close()`, which "must always be called" (abstract-level's README,
 * https://github.com/Level/abstract-level#iteratorclose). So every Query and Scan left
 * an iterator open, each holding a LevelDB snapshot: the process's native memory grew with every read, and
 * LevelDB could never delete the table files those snapshots pinned, so the data folder kept every version
 * of every item ever written. Giving each iterator the `return()` dynalite calls fixes both.
 */
export function withClosingIterators<T>(start: () => T): { started: T; iterators: IteratorCount } {
  let open = 0;
  let opened = 0;
  const original = dynaliteDb.create;
  dynaliteDb.create = (options) => {
    const store = original(options);
    for (const method of ['keys', 'values'] as const) {
      const openIterator = store.db[method].bind(store.db);
      store.db[method] = (iteratorOptions?: unknown) => {
        const iterator = openIterator(iteratorOptions);
        open += 1;
        opened += 1;
        let closing: Promise<void> | undefined;
        iterator.return = () => {
          if (!closing) {
            open -= 1;
            closing = iterator.close();
          }
          return closing;
        };
        return iterator;
      };
    }
    return store;
  };
  try {
    return { started: start(), iterators: { open: () => open, opened: () => opened } };
  } finally {
    dynaliteDb.create = original;
  }
}
