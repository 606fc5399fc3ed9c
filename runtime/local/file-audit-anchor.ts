import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditAnchor, ChainHead } from '../../core/ports/audit-log.ts';

const LINE = /^(\d{1,15}) ([0-9a-f]{64})$/;

/**
 * The embedded default's audit anchor: one append-only file per chain in a folder of the data folder,
 * one line per append (`<seq> <hash>`), written with O_APPEND and fsync'd before the request completes.
 * Lines only ever get added; a torn last line (a crash mid-write) is ignored.
 */
export class FileAuditAnchor implements AuditAnchor {
  readonly #dir: string;
  #ready: Promise<void> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async record(chain: string, head: ChainHead): Promise<void> {
    this.#ready ??= mkdir(this.#dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    await this.#ready;
    const file = await open(this.#path(chain), 'a', 0o600);
    try {
      await file.appendFile(`${head.seq} ${head.hash}\n`);
      await file.datasync();
    } finally {
      await file.close();
    }
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
