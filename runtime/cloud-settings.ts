import { sandboxSettingsProblems } from '../connectors/sandbox/sandbox-settings.ts';
import type { Cloud, Target, TargetCatalogue } from '../core/model/target.ts';

/** Each cloud's check of its targets' own settings block; a cloud without one takes no block. */
const SETTINGS_PROBLEMS: Record<Cloud, (target: Target) => string[]> = {
  sandbox: sandboxSettingsProblems,
  openstack: noSettings,
  aws: noSettings,
};

function noSettings(target: Target): string[] {
  return target.cloudSettings === undefined
    ? []
    : [`${target.cloud}: ${target.cloud} targets take no settings block`];
}

/**
 * What is wrong with the targets' cloud-specific settings, which the core's catalogue check leaves to the
 * connectors: `target <id>: <path>: <message>` lines, none when all are valid. The broker refuses to start
 * with any (each connector checks its own when built); `hcb policy validate` reports them.
 */
export function cloudSettingsProblems(catalogue: TargetCatalogue): string[] {
  return catalogue.targets.flatMap((target) =>
    SETTINGS_PROBLEMS[target.cloud](target).map((problem) => `target ${target.id}: ${problem}`),
  );
}
