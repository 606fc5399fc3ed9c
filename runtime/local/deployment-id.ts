import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDeploymentId } from '../config.ts';

const FILE = 'deployment-id';

/**
 * The embedded broker's deployment id (`hcb:deployment` on what it creates), kept in its data folder:
 * made on first start (`hcb-<uuid>`) and reused afterwards, so each data folder is one deployment and two
 * brokers sharing a cloud project never take each other's servers for orphans. `HCB_DEPLOYMENT_ID`
 * overrides it; Lambda deployments use their table's name (config.ts).
 */
export function loadOrCreateDeploymentId(dataDir: string): string {
  const path = join(dataDir, FILE);
  try {
    return parseDeploymentId(readFileSync(path, 'utf8').trim(), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = `hcb-${randomUUID()}`;
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, id, { flag: 'wx' });
    return id;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return parseDeploymentId(readFileSync(path, 'utf8').trim(), path);
    throw error;
  }
}
