import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetCatalogue } from '../core/model/target.ts';
import type { QuotaLimits } from '../core/ports/quota-ledger.ts';
import type { RateCard } from '../core/usage/rate-card.ts';
import type { BrokerConfig } from './config.ts';

/**
 * The broker's YAML configuration besides the policy bundle — quota defaults (`quotas.yaml`) and the rate
 * card (`rates.yaml`) — validated when a Lambda function is built (bin/prevalidate-policies.ts) and written
 * beside the policy files as JSON, like the policy bundle (policy-engine/bundle/validated-bundle.ts). A
 * start whose files are exactly those takes the values from here and loads no YAML parser (≈ 117 KiB of
 * JavaScript); any other files are read and validated at start as usual.
 */
export const VALIDATED_CONFIG_FILE = '.validated-config.json';

export interface ConfigFiles {
  quotaDefaults: QuotaLimits;
  /** Absent when there is no rate card: usage reports carry no cost. */
  rateCard: RateCard | undefined;
}

interface ValidatedConfig {
  /** sha256 of the quota file's text. */
  quotasDigest: string;
  quotaDefaults: QuotaLimits;
  /** sha256 of the rate card's text and of the target ids it was checked against; null: no rate card. */
  ratesDigest: string | null;
  rateCard: RateCard | null;
}

const RATES_FILE = 'rates.yaml';

/** Reads and validates the files now (the YAML parser is imported here, on this path only). */
export async function configFilesFromYaml(
  config: Pick<BrokerConfig, 'quotasFile' | 'policiesDir'>,
  catalogue: TargetCatalogue,
): Promise<ConfigFiles> {
  const { loadQuotaDefaults } = await import('./quota-config.ts');
  const quotaDefaults = loadQuotaDefaults(config.quotasFile);
  const { loadRateCard } = await import('./rate-card-file.ts');
  return { quotaDefaults, rateCard: loadRateCard(config.policiesDir, catalogue) };
}

/** At build time: validates the files (failing the build as the broker would fail to start) and writes them. */
export async function writeValidatedConfig(
  config: Pick<BrokerConfig, 'quotasFile' | 'policiesDir'>,
  catalogue: TargetCatalogue,
): Promise<void> {
  const files = await configFilesFromYaml(config, catalogue);
  const digests = digestsOf(config, catalogue);
  if (digests.quotas === undefined) throw new Error(`${config.quotasFile} vanished while validated`);
  const validated: ValidatedConfig = {
    quotasDigest: digests.quotas,
    quotaDefaults: files.quotaDefaults,
    ratesDigest: digests.rates,
    rateCard: files.rateCard ?? null,
  };
  writeFileSync(join(config.policiesDir, VALIDATED_CONFIG_FILE), JSON.stringify(validated));
}

/** At start: the values validated at build time, when the files are still exactly those; else undefined. */
export function readValidatedConfig(
  config: Pick<BrokerConfig, 'quotasFile' | 'policiesDir'>,
  catalogue: TargetCatalogue,
): ConfigFiles | undefined {
  const path = join(config.policiesDir, VALIDATED_CONFIG_FILE);
  if (!existsSync(path)) return undefined;
  const validated = JSON.parse(readFileSync(path, 'utf8')) as ValidatedConfig;
  const digests = digestsOf(config, catalogue);
  if (digests.quotas !== validated.quotasDigest || digests.rates !== validated.ratesDigest) return undefined;
  return { quotaDefaults: validated.quotaDefaults, rateCard: validated.rateCard ?? undefined };
}

/** A rate card is valid for a catalogue (its targets must exist): its digest covers the target ids too. */
function digestsOf(
  config: Pick<BrokerConfig, 'quotasFile' | 'policiesDir'>,
  catalogue: TargetCatalogue,
): { quotas: string | undefined; rates: string | null } {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const ratesPath = join(config.policiesDir, RATES_FILE);
  const targetIds = catalogue.targets.map((t) => t.id).sort();
  return {
    quotas: existsSync(config.quotasFile) ? sha256(readFileSync(config.quotasFile, 'utf8')) : undefined,
    rates: existsSync(ratesPath)
      ? sha256(`${readFileSync(ratesPath, 'utf8')}\0${JSON.stringify(targetIds)}`)
      : null,
  };
}
