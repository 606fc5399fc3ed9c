import { type FileHandle, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditAnchor, ChainHead } from '../../core/ports/audit-log.ts';

const LINE = /^(\d{1,15}) ([0-9a-f]{64})$/;
/** How long a chain's file stays open after its last append. */
const IDLE_CLOSE_MS = 1000;

/** A chain's file, open while appends keep coming. */
interface OpenFile {
  file: Promise<FileHandle>;
  writing: number;
  idle?: NodeJS.Timeout;
}

/**
 * The embedded default's audit anchor: one append-only file per chain in a folder of the data folder,
 * one line per append (`<seq> <hash>`), written with O_APPEND and fsync'd before the request completes.
 * Lines only ever get added; a torn last line (a crash mid-write) is ignored.
 *
 * The file stays open while appends keep coming (closed after a second without one): opening and closing
 * it around every append cost two more trips through libuv's thread pool per request, on top of the write
 * and the fsync that the guarantee needs.
 */
export class FileAuditAnchor implements AuditAnchor {
  readonly #dir: string;
  #ready: Promise<void> | undefined;
  readonly #open = new Map<string, OpenFile>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  async record(chain: string, head: ChainHead): Promise<void> {
    const entry = this.#openFor(chain);
    entry.writing += 1;
    clearTimeout(entry.idle);
    try {
      const file = await entry.file;
      await file.appendFile(`${head.seq} ${head.hash}\n`);
      await file.datasync();
    } catch (error) {
      // A handle that failed once is not trusted again: the next append opens the file anew.
      if (this.#open.get(chain) === entry) this.#open.delete(chain);
      entry.file.then((file) => file.close()).catch(() => undefined);
      throw error;
    } finally {
      entry.writing -= 1;
      if (entry.writing === 0 && this.#open.get(chain) === entry)
        entry.idle = setTimeout(() => this.#close(chain, entry), IDLE_CLOSE_MS).unref();
    }
  }

  #openFor(chain: string): OpenFile {
    const known = this.#open.get(chain);
    if (known) return known;
    this.#ready ??= mkdir(this.#dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    const opened: OpenFile = {
      file: this.#ready.then(() => open(this.#path(chain), 'a', 0o600)),
      writing: 0,
    };
    this.#open.set(chain, opened);
    return opened;
  }

  #close(chain: string, entry: OpenFile): void {
    if (entry.writing > 0 || this.#open.get(chain) !== entry) return;
    this.#open.delete(chain);
    entry.file.then((file) => file.close()).catch(() => undefined);
  }

  async latest(chain: string): Promise<ChainHead | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(chain), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let newest: ChainHead | undefined;
    for (const line of text.split('\n')) {
      const match = LINE.exec(line);
      if (!match) continue;
      const seq = Number(match[1]);
      // Appenders may finish out of order; the highest sequence number is the head.
      if (newest === undefined || seq > newest.seq) newest = { seq, hash: match[2]! };
    }
    return newest;
  }

  #path(chain: string): string {
    return join(this.#dir, `${encodeURIComponent(chain)}.log`);
  }
}
