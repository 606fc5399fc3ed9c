import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { CfnResource, CfnTemplate, TableShape } from './cloud-assembly.ts';
import { type IntrinsicContext, type ProvisionedResource, resolveValue } from './intrinsics.ts';

export interface RegionClients {
  sqs: SQSClient;
  secrets: SecretsManagerClient;
  s3: S3Client;
  kms: KMSClient;
}

export interface ProvisionOptions {
  region: string;
  accountId: string;
  /** Prefix of every name this runtime creates on the shared emulator (unique per DATA_DIR). */
  prefix: string;
  /** Prefix of secret names: the same in every region, as the stacks name their secrets alike. */
  secretPrefix: string;
  /** Secret values by the template's secret `Name` (the OpenStack credentials); others are generated. */
  secretValues: Record<string, string>;
  /** Overrides of queue attributes (the test suite shortens the visibility timeout). */
  queueOverrides?: { visibilityTimeoutSeconds?: number };
}

/**
 * Creates, on the emulator, the regional resources a template's function environments refer to — queues
 * (with their redrive policy), secrets, the audit anchor bucket, KMS keys — on first reference, following
 * references between them (a queue's dead-letter queue, a secret's key). Idempotent: an existing resource
 * of the same name is reused, so a restart with the same DATA_DIR finds its queues and secrets again.
 */
export class RegionProvisioner implements IntrinsicContext {
  readonly region: string;
  readonly accountId: string;
  readonly #template: CfnTemplate;
  readonly #clients: RegionClients;
  readonly #options: ProvisionOptions;
  readonly #made = new Map<string, Promise<ProvisionedResource>>();

  constructor(template: CfnTemplate, clients: RegionClients, options: ProvisionOptions) {
    this.#template = template;
    this.#clients = clients;
    this.#options = options;
    this.region = options.region;
    this.accountId = options.accountId;
  }

  resource(logicalId: string): Promise<ProvisionedResource> {
    let made = this.#made.get(logicalId);
    if (!made) {
      const resource = this.#template.Resources[logicalId];
      if (!resource) throw new Error(`the template has no resource ${logicalId}`);
      made = this.#create(logicalId, resource);
      this.#made.set(logicalId, made);
    }
    return made;
  }

  /**
   * Removes what this provisioner made from the shared emulator: queues, secrets, keys (scheduled for
   * deletion, as KMS allows no sooner). The audit anchor bucket stays: Object Lock retention forbids
   * deleting its objects, by design.
   */
  async destroy(): Promise<void> {
    for (const [logicalId, made] of this.#made) {
      const resource = await made.catch(() => undefined);
      if (!resource) continue;
      const type = this.#template.Resources[logicalId]?.Type;
      const { sqs, secrets, kms } = this.#clients;
      if (type === 'AWS::SQS::Queue') await sqs.send(new DeleteQueueCommand({ QueueUrl: resource.ref }));
      if (type === 'AWS::SecretsManager::Secret')
        await secrets.send(
          new DeleteSecretCommand({ SecretId: resource.ref, ForceDeleteWithoutRecovery: true }),
        );
      if (type === 'AWS::KMS::Key') {
        await kms.send(
          new DeleteAliasCommand({ AliasName: `alias/${this.#options.prefix}-${logicalId}`.slice(0, 86) }),
        );
        await kms.send(new ScheduleKeyDeletionCommand({ KeyId: resource.ref, PendingWindowInDays: 7 }));
      }
    }
    this.#made.clear();
  }

  async #create(logicalId: string, resource: CfnResource): Promise<ProvisionedResource> {
    const p = resource.Properties ?? {};
    const name = `${this.#options.prefix}-${logicalId}`.slice(0, 80);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return this.#queue(name, p);
      case 'AWS::SecretsManager::Secret':
        return this.#secret(name, p);
      case 'AWS::S3::Bucket':
        return this.#bucket(name.toLowerCase().slice(0, 63), p);
      case 'AWS::KMS::Key':
        return this.#key(name, p);
      default:
        throw new Error(`${logicalId}: ${resource.Type} is not provided by the local runtime`);
    }
  }

  async #queue(name: string, p: Record<string, unknown>): Promise<ProvisionedResource> {
    const attributes: Record<string, string> = {};
    for (const key of [
      'MessageRetentionPeriod',
      'VisibilityTimeout',
      'DelaySeconds',
      'KmsDataKeyReusePeriodSeconds',
    ])
      if (p[key] !== undefined) attributes[key] = String(p[key]);
    if (p.KmsMasterKeyId !== undefined)
      attributes.KmsMasterKeyId = await resolveValue(p.KmsMasterKeyId, this);
    const visibility = this.#options.queueOverrides?.visibilityTimeoutSeconds;
    if (visibility !== undefined && p.RedrivePolicy !== undefined)
      attributes.VisibilityTimeout = String(visibility);
    if (p.RedrivePolicy !== undefined) {
      const redrive = p.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: await resolveValue(redrive.deadLetterTargetArn, this),
        maxReceiveCount: redrive.maxReceiveCount,
      });
    }
    const QueueUrl = await this.#clients.sqs
      .send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))
      .then((r) => r.QueueUrl)
      .catch(async (error: unknown) => {
        // Made by an earlier run with this DATA_DIR: reuse it.
        if (!(error instanceof QueueNameExists)) throw error;
        return (await this.#clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
      });
    const { Attributes } = await this.#clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return {
      ref: QueueUrl!,
      attributes: { Arn: Attributes!.QueueArn!, QueueName: name, QueueUrl: QueueUrl! },
    };
  }

  /** A key per logical id, found again by its alias on a restart. */
  async #key(name: string, p: Record<string, unknown>): Promise<ProvisionedResource> {
    const alias = `alias/${name}`;
    const found = await this.#clients.kms
      .send(new DescribeKeyCommand({ KeyId: alias }))
      .then((r) => r.KeyMetadata)
      .catch(() => undefined);
    const key =
      found ??
      (
        await this.#clients.kms.send(
          new CreateKeyCommand({ Description: `${name}: ${String(p.Description ?? '')}` }),
        )
      ).KeyMetadata!;
    if (!found)
      await this.#clients.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyId! }));
    return { ref: key.KeyId!, attributes: { Arn: key.Arn!, KeyId: key.KeyId! } };
  }

  async #secret(name: string, p: Record<string, unknown>): Promise<ProvisionedResource> {
    const templateName = String(p.Name ?? name);
    const value = this.#options.secretValues[templateName] ?? randomBytes(48).toString('base64url');
    const secretName = `${this.#options.secretPrefix}/${templateName}`;
    try {
      const { ARN } = await this.#clients.secrets.send(
        new CreateSecretCommand({ Name: secretName, SecretString: value }),
      );
      return { ref: ARN!, attributes: { Id: ARN! } };
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      const { ARN } = await this.#clients.secrets.send(new DescribeSecretCommand({ SecretId: secretName }));
      return { ref: ARN!, attributes: { Id: ARN! } };
    }
  }

  async #bucket(name: string, p: Record<string, unknown>): Promise<ProvisionedResource> {
    const lock = p.ObjectLockEnabled === true;
    await this.#clients.s3
      .send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: lock }))
      .catch((error: { name?: string }) => {
        if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
      });
    const lockConfig = p.ObjectLockConfiguration as
      | { ObjectLockEnabled: 'Enabled'; Rule?: { DefaultRetention?: { Days?: number; Mode?: 'COMPLIANCE' } } }
      | undefined;
    if (lock && lockConfig)
      await this.#clients.s3.send(
        new PutObjectLockConfigurationCommand({ Bucket: name, ObjectLockConfiguration: lockConfig }),
      );
    return { ref: name, attributes: { Arn: `arn:aws:s3:::${name}` } };
  }
}

/**
 * The data stack's global tables, created once in the primary region from the template's definition
 * (keys, attribute definitions, indexes, TTL); `rename` maps the template's table name to the local one.
 */
export async function createTables(
  dynamo: DynamoDBClient,
  tables: TableShape[],
  rename: (templateName: string) => string,
): Promise<string[]> {
  const created: string[] = [];
  for (const { properties: p } of tables) {
    const TableName = rename(String(p.TableName));
    const input = {
      TableName,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: p.BillingMode ?? 'PAY_PER_REQUEST',
      ...(p.GlobalSecondaryIndexes
        ? {
            GlobalSecondaryIndexes: (p.GlobalSecondaryIndexes as Record<string, unknown>[]).map((index) => ({
              IndexName: index.IndexName,
              KeySchema: index.KeySchema,
              Projection: index.Projection,
            })),
          }
        : {}),
      ...(p.StreamSpecification
        ? { StreamSpecification: { StreamEnabled: true, ...(p.StreamSpecification as object) } }
        : {}),
    } as CreateTableCommandInput;
    try {
      await dynamo.send(new CreateTableCommand(input));
      const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
      if (ttl?.Enabled) {
        await waitActive(dynamo, TableName);
        await dynamo.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: ttl }));
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitActive(dynamo, TableName);
    created.push(TableName);
  }
  return created;
}

export async function deleteTables(dynamo: DynamoDBClient, names: string[]): Promise<void> {
  for (const TableName of names)
    await dynamo.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
}

async function waitActive(dynamo: DynamoDBClient, TableName: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${TableName} did not become active`);
}
