import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { BrokerError } from '../core/errors.ts';
import type { IdempotencyGuard, StoredResponse } from '../core/ports/idempotency.ts';
import { TTL_ATTRIBUTE } from './broker-table.ts';

export interface IdempotencyGuardOptions {
  client: DynamoDBClient;
  tableName: string;
  /** How long a key is remembered. */
  expiresAfterSeconds?: number;
  /** How long a concurrent duplicate waits for the first request before answering 409. */
  waitForInFlightMs?: number;
  /** An in-progress record older than this is considered abandoned (its request crashed). */
  inFlightTimeoutMs?: number;
}

interface IdempotentCall {
  key: string;
  fingerprint: string;
}

/**
 * `Idempotency-Key` handling on Powertools' idempotency utility (DynamoDB persistence): it claims the key
 * with a conditional write, stores the response, validates the payload hash, and expires records by TTL.
 * We add the HTTP semantics: mismatch → 422, concurrent duplicate → wait, then replay.
 */
export class PowertoolsIdempotencyGuard implements IdempotencyGuard {
  readonly #persistence: DynamoDBPersistenceLayer;
  readonly #config: IdempotencyConfig;
  readonly #waitMs: number;

  constructor(options: IdempotencyGuardOptions) {
    this.#persistence = new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      keyAttr: 'id',
      expiryAttr: TTL_ATTRIBUTE,
      awsSdkV3Client: options.client,
    });
    this.#config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'fingerprint',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: options.expiresAfterSeconds ?? 24 * 3600,
    });
    // Outside Lambda there is no invocation deadline; this bounds how long a crashed request blocks its key.
    const inFlight = options.inFlightTimeoutMs ?? 30_000;
    this.#config.registerLambdaContext({ getRemainingTimeInMillis: () => inFlight } as Context);
    this.#waitMs = options.waitForInFlightMs ?? 10_000;
  }

  async run(key: string, fingerprint: string, execute: () => Promise<StoredResponse>) {
    let executed = false;
    const guarded = makeIdempotent(
      async (_call: IdempotentCall) => {
        executed = true;
        return execute();
      },
      { persistenceStore: this.#persistence, config: this.#config },
    );
    const deadline = Date.now() + this.#waitMs;
    for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
      try {
        const response = (await guarded({ key, fingerprint })) as StoredResponse;
        return { response, replayed: !executed };
      } catch (error) {
        if (error instanceof IdempotencyValidationError)
          throw new BrokerError(
            'idempotency.keyReused',
            'this Idempotency-Key was used with a different request',
            {
              cause: error,
            },
          );
        if (!(error instanceof IdempotencyAlreadyInProgressError)) throw unwrap(error);
        if (Date.now() > deadline)
          throw new BrokerError(
            'idempotency.inProgress',
            'a request with this Idempotency-Key is still in progress',
            {
              cause: error,
              retryAfterSeconds: 1,
            },
          );
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }
}

/** Powertools wraps the function's own errors; hand back what the function threw. */
function unwrap(error: unknown): unknown {
  if (error instanceof Error && error.name === 'IdempotencyUnknownError' && error.cause !== undefined)
    return error.cause;
  return error;
}

/**
 * Deletes every in-progress claim, for a process that owns its store alone (the embedded default) and is
 * starting: any claim there was taken by its own previous incarnation, which crashed mid-request. Without
 * this a re-sent request would wait out the claim's in-flight timeout. Safe because create routes bind
 * their key to the resource before writing it, so running the request again finds that resource.
 */
export async function releaseAbandonedClaims(client: DynamoDBClient, tableName: string): Promise<number> {
  let released = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#status = :inProgress',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': { S: 'INPROGRESS' } },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const claim of page.Items ?? []) {
      await client
        .send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { id: claim.id! },
            ConditionExpression: '#status = :inProgress',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inProgress': { S: 'INPROGRESS' } },
          }),
        )
        .then(() => (released += 1))
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
        });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return released;
}
