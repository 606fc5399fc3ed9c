import { BrokerError } from '../core/errors.ts';

/** True for a failed DynamoDB condition, however the SDK or toolbox wrapped it. */
export function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'ConditionalCheckFailedException' || /ConditionalCheckFailed/.test(error.name))
  );
}

/** DynamoDB failures the caller can do nothing about become a retryable `store.unavailable`. */
export function storeError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  const name = error instanceof Error ? error.name : 'unknown';
  if (/Throughput|Throttl|RequestLimit/.test(name))
    return new BrokerError('store.throttled', 'the state store is throttling requests', {
      cause: error,
      retryAfterSeconds: 1,
    });
  return new BrokerError('store.unavailable', 'the state store did not answer', {
    cause: error,
    retryAfterSeconds: 2,
  });
}
