import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../core/ports/logger.ts';
import { loadConfig } from '../../runtime/config.ts';
import { startEmbeddedBroker } from '../../runtime/local/embedded-broker.ts';

/**
 * The broker's OpenAPI document as the embedded default serves it at `/openapi.json` (the portal talks to
 * that process, sandbox routes included), from a throwaway data folder.
 */
export async function currentOpenApiDocument(): Promise<unknown> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcb-openapi-'));
  const broker = await startEmbeddedBroker(loadConfig({ DATA_DIR: dataDir }), silentLogger);
  try {
    const response = await broker.app.request('/openapi.json');
    return await response.json();
  } finally {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
