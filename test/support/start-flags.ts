import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The node flags of package.json's `start` script (`node <flags> runtime/local/main.ts`), so the tests and
 * benches that spawn the broker run the process `npm start` runs, memory settings included.
 */
export function startFlags(): string[] {
  const packageJson = resolve(import.meta.dirname, '../../package.json');
  const { scripts } = JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: Record<string, string> };
  return scripts.start!.split(' ').filter((word) => word.startsWith('--'));
}
