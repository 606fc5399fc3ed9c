import { randomBytes } from 'node:crypto';
import { readOrCreateFile } from './data-file.ts';

/**
 * The server secret object keys are HMAC'd under before they reach the audit trail, kept in a file
 * (created on first use: 32 random bytes, hex, mode 0600) — the embedded default's equivalent of the
 * Secrets Manager secret a deployment uses.
 */
export function loadOrCreateSecretFile(path: string): string {
  return readOrCreateFile(path, () => `${randomBytes(32).toString('hex')}\n`, 0o600).trim();
}
