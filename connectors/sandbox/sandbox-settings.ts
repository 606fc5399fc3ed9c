import { z } from 'zod';
import { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';

/**
 * A sandbox target's own settings: the `sandbox:` block of its entry in the targets file, which only this
 * connector reads. Capacity bounds what the simulation hosts; timings say how long each transition takes; console, how
 * long a console link lives.
 */
const sandboxSettingsSchema = z.strictObject({
  capacity: z.strictObject({
    vcpus: z.number().int().positive(),
    ramMiB: z.number().int().positive(),
    volumeGiB: z.number().int().positive(),
  }),
  timings: z
    .strictObject({
      buildMs: z.number().int().nonnegative().default(1500),
      actionMs: z.number().int().nonnegative().default(500),
      deleteMs: z.number().int().nonnegative().default(500),
      volumeMs: z.number().int().nonnegative().default(300),
    })
    .default({ buildMs: 1500, actionMs: 500, deleteMs: 500, volumeMs: 300 }),
  /** How long a console link stays valid (Nova's `[consoleauth] token_ttl` plays this part on OpenStack). */
  console: z
    .strictObject({ tokenTtlSeconds: z.number().int().positive().max(3600).default(60) })
    .default({ tokenTtlSeconds: 60 }),
});

export type SandboxSettings = z.output<typeof sandboxSettingsSchema>;
export type SandboxSettingsInput = z.input<typeof sandboxSettingsSchema>;

/** What is wrong with a sandbox target's settings, as `sandbox.<path>: message` lines (none when valid). */
export function sandboxSettingsProblems(target: Target): string[] {
  if (target.cloudSettings === undefined)
    return ['sandbox: the sandbox block (capacity, timings) is required'];
  const parsed = sandboxSettingsSchema.safeParse(target.cloudSettings);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${['sandbox', ...issue.path].join('.')}: ${issue.message}`);
}

const parsedSettings = new WeakMap<Target, SandboxSettings>();

/** The target's sandbox settings, validated once per target. */
export function sandboxSettingsOf(target: Target): SandboxSettings {
  let settings = parsedSettings.get(target);
  if (!settings) {
    const problems = sandboxSettingsProblems(target);
    if (problems.length > 0)
      throw new BrokerError('catalogue.invalid', `target ${target.id}: ${problems.join('; ')}`, {
        details: { targetId: target.id, problems },
      });
    settings = sandboxSettingsSchema.parse(target.cloudSettings);
    parsedSettings.set(target, settings);
  }
  return settings;
}
