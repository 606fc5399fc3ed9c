import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../../core/ports/logger.ts';
import { type SweptTable, sweepExpired } from '../../persistence/expiry-sweep.ts';

/** DynamoDB's own TTL deletes within days; every ten minutes keeps the embedded store as tight or tighter. */
export const SWEEP_EVERY_MS = 10 * 60_000;

export interface ExpirySweeper {
  /** One sweep now (after the one running, if any); resolves with how many items it deleted. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The embedded default's stand-in for DynamoDB's TTL: a sweep at start and then on a timer that never keeps
 * the process alive. Sweeps never overlap, and `stop` waits for the one running (the store must outlive it).
 * `now` (epoch ms) is what "past" is measured against.
 */
export function startExpirySweeper(
  client: DynamoDBClient,
  tables: readonly SweptTable[],
  logger: Logger,
  options: { everyMs?: number; now?: () => number } = {},
): ExpirySweeper {
  const everyMs = options.everyMs ?? SWEEP_EVERY_MS;
  const now = options.now ?? Date.now;
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  const sweep = () => {
    running = running
      .catch(() => 0) // the previous sweep's failure was reported by whoever awaited it
      .then(() => (stopped ? 0 : sweepExpired(client, tables, Math.floor(now() / 1000))));
    return running;
  };
  const tick = () =>
    void sweep().catch((error: unknown) => logger.warn('expiry sweep failed', { error: String(error) }));
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running.catch(() => undefined);
    },
  };
}
