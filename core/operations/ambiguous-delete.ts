import { isBrokerError, isRetryable } from '../errors.ts';

/** What became of a delete request: sent, already done, or under way. */
export type DeleteAftermath = 'requested' | 'gone' | 'going';

/**
 * Sends a delete and settles what an ambiguous failure (a timeout, a lost response) left behind. Such a
 * failure may hide a delete that happened: retrying blindly can run out of retries while the resource is
 * `deleting` and report as failed a delete that succeeded. So the resource is looked up at once — not
 * found (or `deleted`) means the delete is done, `deleting` means it is under way; anything else, or a
 * lookup that fails too, rethrows the original error and the worker retries as before. A `notFound` from
 * the delete itself also means done.
 */
export async function deleteAndSettle(
  remove: () => Promise<void>,
  lookUp: () => Promise<{ state: string }>,
): Promise<DeleteAftermath> {
  try {
    await remove();
    return 'requested';
  } catch (error) {
    if (isBrokerError(error, 'notFound')) return 'gone';
    if (!isRetryable(error)) throw error;
    const state = await lookUp().then(
      (found) => found.state,
      (lookupError: unknown) => (isBrokerError(lookupError, 'notFound') ? 'deleted' : undefined),
    );
    if (state === 'deleted') return 'gone';
    if (state === 'deleting') return 'going';
    throw error;
  }
}

/** Whether the cloud no longer has the resource (not found, or `deleted`); undefined when it cannot tell. */
export async function isGone(lookUp: () => Promise<{ state: string }>): Promise<boolean | undefined> {
  return lookUp().then(
    (found) => found.state === 'deleted',
    (error: unknown) => (isBrokerError(error, 'notFound') ? true : undefined),
  );
}
