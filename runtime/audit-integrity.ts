import { fileURLToPath } from 'node:url';
import type { AuditAnchor } from '../core/ports/audit-log.ts';
import { secretsManagerResolver } from './aws/secret-resolver.ts';
import type { BrokerConfig } from './config.ts';
import { loadOrCreateSecretFile } from './local/audit-key-secret.ts';
import { FileAuditAnchor } from './local/file-audit-anchor.ts';

/** The audit anchor `config.auditAnchor` names: `file:///dir` or `s3://bucket`. */
export function auditAnchorFor(config: BrokerConfig): AuditAnchor {
  const where = config.auditAnchor;
  if (where?.startsWith('file://')) return new FileAuditAnchor(fileURLToPath(where));
  if (where?.startsWith('s3://')) {
    const bucket = where.slice('s3://'.length);
    // The S3 client is imported on the first mutating request, not at a cold start that only reads.
    return anchorOnFirstUse(async () =>
      (await import('./aws/s3-audit-anchor.ts')).s3AuditAnchor(config.region, bucket),
    );
  }
  throw new Error(
    "HCB_AUDIT_ANCHOR must name where the audit chain's head is anchored (s3://bucket or file:///dir)",
  );
}

/**
 * The secret object keys are HMAC'd under for the audit trail, from `config.auditKeySecret`:
 * `file:/path` (created on first use, mode 0600; the embedded default) or `secretsmanager:<arn>`.
 */
export async function auditKeySecretFor(config: BrokerConfig): Promise<string> {
  const ref = config.auditKeySecret;
  if (ref?.startsWith('file:')) return loadOrCreateSecretFile(ref.slice('file:'.length));
  if (ref?.startsWith('secretsmanager:')) {
    const secret = (await secretsManagerResolver()(ref.slice('secretsmanager:'.length))).trim();
    if (secret.length < 32) throw new Error('the audit key secret must hold at least 32 characters');
    return secret;
  }
  throw new Error('HCB_AUDIT_KEY_SECRET must name the audit key secret (secretsmanager:<arn> or file:/path)');
}

/** An anchor whose real one is loaded once, when it is first used. */
function anchorOnFirstUse(load: () => Promise<AuditAnchor>): AuditAnchor {
  let anchor: Promise<AuditAnchor> | undefined;
  const loaded = () =>
    (anchor ??= load().catch((error: unknown) => {
      anchor = undefined;
      throw error;
    }));
  return {
    record: async (chain, head) => (await loaded()).record(chain, head),
    latest: async (chain) => (await loaded()).latest(chain),
  };
}
