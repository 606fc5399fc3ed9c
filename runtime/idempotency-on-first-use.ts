import type { IdempotencyGuard } from '../core/ports/idempotency.ts';
import type { IdempotencyGuardOptions } from '../persistence/idempotency-guard.ts';

/**
 * The Idempotency-Key guard (Powertools' idempotency utility and the JMESPath engine it needs, ≈ 45 KiB)
 * imported on the first request that sends a key, not at every cold start.
 */
export function idempotencyGuardOnFirstUse(options: IdempotencyGuardOptions): IdempotencyGuard {
  let guard: Promise<IdempotencyGuard> | undefined;
  const loaded = () =>
    (guard ??= import('../persistence/idempotency-guard.ts').then(
      ({ PowertoolsIdempotencyGuard }) => new PowertoolsIdempotencyGuard(options),
      (error: unknown) => {
        guard = undefined;
        throw error;
      },
    ));
  return { run: async (key, fingerprint, execute) => (await loaded()).run(key, fingerprint, execute) };
}
