import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CURSOR_SECRET_MIN_BYTES } from '../../persistence/cursor.ts';
import { readOrCreateFile } from './data-file.ts';

const FILE = 'cursor-secret';

/**
 * The key list cursors are signed with (persistence/cursor.ts), kept in the data folder: created on first
 * use (32 random bytes, base64, mode 0600) and reused afterwards, so cursors survive a restart. Lambda
 * reads its key from Secrets Manager instead (lambda-broker.ts).
 */
export function loadOrCreateCursorSecret(dataDir: string): Buffer {
  const path = join(dataDir, FILE);
  const text = readOrCreateFile(path, () => randomBytes(CURSOR_SECRET_MIN_BYTES).toString('base64'), 0o600);
  return parse(text, path);
}

function parse(text: string, path: string): Buffer {
  const secret = Buffer.from(text.trim(), 'base64');
  if (secret.length < CURSOR_SECRET_MIN_BYTES)
    throw new Error(`${path}: the cursor secret must hold at least ${CURSOR_SECRET_MIN_BYTES} bytes`);
  return secret;
}
