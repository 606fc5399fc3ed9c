import { dev } from './dev.ts';
import { prod } from './prod.ts';
import { assertValidStageConfig, type StageConfig } from './stage-config.ts';

/** Every deployable stage, by name (`cdk synth -c stage=<name>`). */
export const STAGES: Readonly<Record<string, StageConfig>> = { dev, prod };

export function stageConfig(name: string | undefined): StageConfig {
  if (!name) throw new Error(`choose a stage with -c stage=<${Object.keys(STAGES).join('|')}>`);
  const config = STAGES[name];
  if (!config) throw new Error(`unknown stage "${name}"; known stages: ${Object.keys(STAGES).join(', ')}`);
  return assertValidStageConfig(config);
}
