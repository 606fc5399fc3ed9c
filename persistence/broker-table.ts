import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Table } from 'dynamodb-toolbox/table';

/**
 * The broker's single table. Items: `TENANT#<t>` / `VM#<id>`, `TENANT#<t>` / `OP#<id>`, audit chains
 * `AUDIT#<chain>` / `<seq>`, idempotency records `IDEMPOTENCY` / `<hash>`, target health
 * `TARGET-HEALTH` / `<targetId>`. One sparse global index:
 * unfinished operations (`gsi1pk = OPS#UNFINISHED`) and audit records per tenant (`AUDIT-TENANT#<t>`).
 * A second sparse index holds only the tenant resources that are not deleted (`gsi2pk = LIVE#<KIND>#<t>`),
 * so a tenant's list reads its live resources and never pages past its deleted ones.
 * Usage records: `USAGE#<t>` / `<record id>`, indexed by kind across tenants (`USAGE-ALL#<kind>`).
 * The CDK stack declares the same keys; a test keeps the two in step.
 */
export const TABLE_KEYS = {
  partitionKey: { name: 'pk', type: 'string' },
  sortKey: { name: 'sk', type: 'string' },
  indexes: {
    gsi1: {
      type: 'global',
      partitionKey: { name: 'gsi1pk', type: 'string' },
      sortKey: { name: 'gsi1sk', type: 'string' },
    },
    gsi2: {
      type: 'global',
      partitionKey: { name: 'gsi2pk', type: 'string' },
      sortKey: { name: 'gsi2sk', type: 'string' },
    },
  },
} as const;

/** Attribute DynamoDB's TTL expires items by (idempotency records, shared target health). */
export const TTL_ATTRIBUTE = 'expiration';

export type BrokerTable = ReturnType<typeof createBrokerTable>;

export function createBrokerTable(name: string, documentClient: DynamoDBDocumentClient) {
  return new Table({ name, documentClient, ...TABLE_KEYS });
}

export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, indexes } = TABLE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      partitionKey,
      sortKey,
      ...Object.values(indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
    ].map((k) => ({ AttributeName: k.name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: Object.entries(indexes).map(([indexName, index]) => ({
      IndexName: indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/**
 * Idempotency records live in a table of their own, keyed by the hashed key alone (Powertools' layout):
 * spreading them over partitions keeps a burst of creates off one hot key, and TTL expires them.
 */
export function createIdempotencyTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  };
}

export function idempotencyTableName(tableName: string): string {
  return `${tableName}-idempotency`;
}

/** Creates the broker's tables if absent (embedded store, emulators). Production tables come from CDK. */
export async function ensureTables(client: DynamoDBClient, tableName: string): Promise<void> {
  await ensureTable(client, createTableInput(tableName));
  await ensureTable(client, createIdempotencyTableInput(idempotencyTableName(tableName)));
}

async function ensureTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  const tableName = input.TableName!;
  try {
    const { Table: existing } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const missing = (input.GlobalSecondaryIndexes ?? [])
      .map((index) => index.IndexName!)
      .filter((name) => !existing?.GlobalSecondaryIndexes?.some((index) => index.IndexName === name));
    // Older data folders predate an index; reading them through it would hide their items, so refuse.
    if (missing.length > 0)
      throw new Error(
        `table ${tableName} lacks the index ${missing.join(', ')} this version reads; it was created by an ` +
          'older broker (start with a new data folder, or add the index and fill it: docs/deploy.md)',
      );
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(new CreateTableCommand(input)).catch((error: unknown) => {
    // Another process created it between our describe and create.
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  });
  for (let i = 0; i < 100; i++) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${tableName} did not become active`);
}
