import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FileAuditAnchor } from './file-audit-anchor.ts';

const hash = (n: number) => n.toString(16).padStart(64, '0');

describe('file audit anchor', () => {
  const dirs: string[] = [];
  const anchorIn = () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcb-anchor-'));
    dirs.push(dir);
    return { dir, anchor: new FileAuditAnchor(join(dir, 'anchor')) };
  };
  afterEach(() => {
    vi.useRealTimers();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('appends one line per head, concurrent appends included, and reads back the highest', async () => {
    const { dir, anchor } = anchorIn();
    await Promise.all([1, 2, 3, 4, 5].map((seq) => anchor.record('local', { seq, hash: hash(seq) })));
    await anchor.record('other', { seq: 9, hash: hash(9) });
    const lines = readFileSync(join(dir, 'anchor', 'local.log'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.sort()).toEqual([1, 2, 3, 4, 5].map((seq) => `${seq} ${hash(seq)}`));
    expect(await anchor.latest('local')).toEqual({ seq: 5, hash: hash(5) });
    expect(await anchor.latest('other')).toEqual({ seq: 9, hash: hash(9) });
    expect(await anchor.latest('none')).toBeUndefined();
  });

  it('closes an idle file and opens it again for the next append, losing no line', async () => {
    const { dir, anchor } = anchorIn();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await anchor.record('local', { seq: 1, hash: hash(1) });
    await vi.advanceTimersByTimeAsync(5_000);
    await anchor.record('local', { seq: 2, hash: hash(2) });
    expect(readFileSync(join(dir, 'anchor', 'local.log'), 'utf8')).toBe(`1 ${hash(1)}\n2 ${hash(2)}\n`);
  });
});
