import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The text of a file the embedded broker keeps in its data folder (a key, a secret, its deployment id):
 * read when it exists, else written once with `make()` and returned. Created exclusively (`wx`), so two
 * processes starting together agree: the one that loses the race reads the winner's.
 */
export function readOrCreateFile(path: string, make: () => string, mode?: number): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const text = make();
  mkdirSync(dirname(path), { recursive: true });
  try {
    writeFileSync(path, text, { flag: 'wx', ...(mode === undefined ? {} : { mode }) });
    return text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8');
    throw error;
  }
}
