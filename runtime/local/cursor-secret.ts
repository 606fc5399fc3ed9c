import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CURSOR_SECRET_MIN_BYTES } from '../../persistence/cursor.ts';

const FILE = 'cursor-secret';

/**
 * The key list cursors are signed with (persistence/cursor.ts), kept in the data folder: created on first
 * use (32 random bytes, base64, mode 0600) and reused afterwards, so cursors survive a restart. Lambda
 * reads its key from Secrets Manager instead (lambda-broker.ts).
 */
export function loadOrCreateCursorSecret(dataDir: string): Buffer {
  const path = join(dataDir, FILE);
  try {
    return parse(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(CURSOR_SECRET_MIN_BYTES);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, secret.toString('base64'), { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return parse(readFileSync(path, 'utf8'), path);
    throw error;
  }
}

function parse(text: string, path: string): Buffer {
  const secret = Buffer.from(text.trim(), 'base64');
  if (secret.length < CURSOR_SECRET_MIN_BYTES)
    throw new Error(`${path}: the cursor secret must hold at least ${CURSOR_SECRET_MIN_BYTES} bytes`);
  return secret;
}
