import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The parts of cdk.json the app and the tests read when the CDK CLI is not the one running them. */
export interface CdkJson {
  readonly app: string;
  readonly output?: string;
  /** Feature flags and defaults (`stage`). */
  readonly context: Readonly<Record<string, unknown>>;
}

export const CDK_JSON_PATH = resolve(import.meta.dirname, '..', 'cdk.json');

export function readCdkJson(): CdkJson {
  return JSON.parse(readFileSync(CDK_JSON_PATH, 'utf8')) as CdkJson;
}
