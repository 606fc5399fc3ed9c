import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { BrokerError } from '../core/errors.ts';
import type { QuotaLimits } from '../core/ports/quota-ledger.ts';
import { QUOTA_RESOURCES } from '../core/ports/quotas.ts';
import { checkLimits } from '../core/quotas/quota-limits.ts';

const count = z.number().int().min(0).max(1_000_000_000);
const siteLimits = z.strictObject(
  Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, count])) as Record<
    (typeof QUOTA_RESOURCES)[number],
    typeof count
  >,
);
const QuotasFile = z.strictObject({ defaults: z.strictObject({ onprem: siteLimits, public: siteLimits }) });

/**
 * The default quotas every tenant has per site (`policies/quotas.yaml`, docs/quotas.md); tenants'
 * overrides are data set through `PUT /v1/quotas/{tenant}`. An invalid file stops the broker at start,
 * naming the problem; a missing one is a start-up error too (quotas are not optional).
 */
export function loadQuotaDefaults(file: string): QuotaLimits {
  if (!existsSync(file))
    throw new BrokerError('policy.bundleMissing', `quota defaults ${file} are missing (docs/quotas.md)`);
  const parsed = QuotasFile.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new BrokerError(
      'policy.bundleInvalid',
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  try {
    checkLimits(parsed.data.defaults);
  } catch (error) {
    throw new BrokerError(
      'policy.bundleInvalid',
      `${file}: ${(error as Error).message.replace('body.', 'defaults.')}`,
    );
  }
  return parsed.data.defaults;
}
