import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { parseDeploymentId } from '../config.ts';
import { readOrCreateFile } from './data-file.ts';

const FILE = 'deployment-id';

/**
 * The embedded broker's deployment id (`hcb:deployment` on what it creates), kept in its data folder:
 * made on first start (`hcb-<uuid>`) and reused afterwards, so each data folder is one deployment and two
 * brokers sharing a cloud project never take each other's servers for orphans. `HCB_DEPLOYMENT_ID`
 * overrides it; Lambda deployments use their table's name (config.ts).
 */
export function loadOrCreateDeploymentId(dataDir: string): string {
  const path = join(dataDir, FILE);
  return parseDeploymentId(readOrCreateFile(path, () => `hcb-${randomUUID()}`).trim(), path);
}
