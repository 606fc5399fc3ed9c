import { Duration, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../../persistence/broker-table.ts';
import type { StageConfig } from '../config/stage-config.ts';
import { acknowledge, HIPAA } from '../nag/acknowledge.ts';
import { names } from '../naming.ts';
import type { AuditIntegrity } from './audit-integrity.ts';
import { BrokerFunction, type FunctionCode, LAMBDA_POLICIES_DIR } from './broker-function.ts';

export interface BrokerProps {
  readonly config: StageConfig;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly keys: { readonly data: kms.IKey; readonly logs: kms.IKey; readonly messaging: kms.IKey };
  readonly openstackSecret: secretsmanager.ISecret;
  /** The HMAC key list cursors are signed with (HCB_CURSOR_SECRET_ARN). */
  readonly cursorSecret: secretsmanager.ISecret;
  /** Base URL clients reach the API at (HCB_PUBLIC_URL). */
  readonly publicUrl: string;
  /** The audit chain's anchor bucket and key-digest secret. */
  readonly audit: AuditIntegrity;
  readonly code: FunctionCode;
}

/**
 * Item-level DynamoDB actions the broker uses; no scans (but the reconciler's own, granted apart), no table
 * administration, never `dynamodb:*`.
 */
export const TABLE_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

/**
 * The broker's compute in one region: the operations queue and its dead-letter queue, and the three
 * functions — `api` behind API Gateway, `worker` on the queue, `reconciler` every five minutes — each with
 * exactly the grants it needs on this region's replica of the global tables, the queue and the secret.
 */
export class Broker extends Construct {
  readonly api: BrokerFunction;
  readonly worker: BrokerFunction;
  readonly reconciler: BrokerFunction;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Reconciler runs that failed (asynchronous invocations from the schedule). */
  readonly reconcilerDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: BrokerProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    const queueDefaults = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.keys.messaging,
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
    } as const;

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'OperationsQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(4),
      // AWS guidance for Lambda event sources: six times the function timeout.
      visibilityTimeout: Duration.seconds(6 * config.functions.worker.timeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: config.queue.maxReceiveCount },
    });
    this.reconcilerDeadLetterQueue = new sqs.Queue(this, 'ReconcilerDeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
    });

    const environment = {
      HCB_TABLE_NAME: names.tableName(config),
      HCB_QUEUE_URL: this.queue.queueUrl,
      HCB_JWT_ISSUER: config.idp.issuer,
      HCB_JWT_AUDIENCE: config.idp.audience,
      HCB_JWKS_URL: config.idp.jwksUrl,
      HCB_POLICIES_DIR: LAMBDA_POLICIES_DIR,
      HCB_AUDIT_CHAIN: stack.region,
      HCB_OPENSTACK_SECRET_ARN: props.openstackSecret.secretArn,
      HCB_CURSOR_SECRET_ARN: props.cursorSecret.secretArn,
      HCB_PUBLIC_URL: props.publicUrl,
      POWERTOOLS_METRICS_NAMESPACE: 'hcb',
      ...props.audit.environment,
    };
    const fn = (entry: 'api' | 'worker' | 'reconciler', description: string) =>
      new BrokerFunction(this, entry[0]!.toUpperCase() + entry.slice(1), {
        entry,
        description,
        sizing: config.functions[entry],
        logLevel: config.functions.logLevel,
        environment: { ...environment, POWERTOOLS_SERVICE_NAME: `hcb-${entry}` },
        vpc: props.vpc,
        vpcSubnets: props.vpcSubnets,
        securityGroup: props.securityGroup,
        logsKey: props.keys.logs,
        logRetentionDays: config.observability.logRetentionDays,
        code: props.code,
      });
    this.api = fn('api', 'hcb API (HTTP API payload v2 → Hono app)');
    this.worker = fn('worker', 'hcb worker: runs queued operations one tick at a time');
    this.reconciler = fn('reconciler', 'hcb reconciler: resumes stalled operations, cleans orphans');

    // This region's replica of the global tables, addressed by name (the data stack owns them).
    const tableArn = stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: names.tableName(config),
    });
    const indexArns = Object.keys(TABLE_KEYS.indexes).map((index) => `${tableArn}/index/${index}`);
    const idempotencyTableArn = stack.formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: names.idempotencyTableName(config),
    });

    for (const f of [this.api, this.worker, this.reconciler]) {
      grantTableData(f, 'BrokerTable', [tableArn, ...indexArns], props.keys.data);
      grantSend(f, this.queue, props.keys.messaging);
      props.openstackSecret.grantRead(f.role);
      props.cursorSecret.grantRead(f.role);
    }
    // The reconciler alone reads every record of the table once per pass (drift and orphans across
    // tenants, docs/reconciler.md): one paged scan of the table, not of its index.
    this.reconciler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'BrokerTableScan', actions: ['dynamodb:Scan'], resources: [tableArn] }),
    );
    // Only the API de-duplicates requests by Idempotency-Key, and only it appends audit records.
    grantTableData(this.api, 'IdempotencyTable', [idempotencyTableArn], props.keys.data);
    props.audit.grantAppend(this.api, props.keys.data);

    // Worker: consumes the queue, reports partial batch failures; concurrency capped at its reservation.
    this.worker.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: Math.max(2, Math.min(1000, config.functions.worker.reservedConcurrency)),
      }),
    );

    // Reconciler: every five minutes; a failed run is not retried (the next run comes soon) but parked.
    new events.Rule(this, 'ReconcileSchedule', {
      description: 'hcb reconciler every five minutes',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(this.reconciler.function, { retryAttempts: 2 })],
    });
    this.reconciler.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(10) });
    setDeadLetterQueue(this.reconciler, this.reconcilerDeadLetterQueue, props.keys.messaging);

    acknowledge(
      this.api.function,
      'HIPAA.Security-LambdaDLQ',
      HIPAA.contingencyPlan,
      'the API function is invoked synchronously by API Gateway; a failure is returned to the caller (who retries with the same Idempotency-Key), so there is no asynchronous event to dead-letter.',
    );
    acknowledge(
      this.worker.function,
      'HIPAA.Security-LambdaDLQ',
      HIPAA.contingencyPlan,
      "the worker is invoked by an SQS event source mapping (synchronously); undeliverable messages go to the operations queue's dead-letter queue (redrive policy, maxReceiveCount) which raises an alarm.",
    );
  }
}

/** Item-level access to one table (and its indexes) and the table key, via DynamoDB only. */
function grantTableData(f: BrokerFunction, sid: string, resources: string[], key: kms.IKey): void {
  f.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: `${sid}Items`, actions: [...TABLE_DATA_ACTIONS], resources }),
  );
  f.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: `${sid}Key`,
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(f).region}.amazonaws.com` } },
    }),
  );
  if (sid === 'BrokerTable') {
    // I3: audit records are append-only; no function may rewrite or delete one.
    f.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AuditAppendOnly',
        effect: iam.Effect.DENY,
        actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
        resources: [resources[0]!],
        conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
      }),
    );
  }
}

/** SendMessage on an SSE-KMS queue: the message data key is generated (and read back) under the queue key. */
function grantSend(f: BrokerFunction, queue: sqs.IQueue, key: kms.IKey, sid = 'SendOperations'): void {
  f.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid, actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  f.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: `${sid}Key`,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(f).region}.amazonaws.com` } },
    }),
  );
}

/**
 * A dead-letter queue for asynchronous invocations, set on the function directly (the L2 `deadLetterQueue`
 * prop would grant `kms:ReEncrypt*`/`kms:GenerateDataKey*`; the function needs only SendMessage + the key).
 */
function setDeadLetterQueue(f: BrokerFunction, queue: sqs.IQueue, key: kms.IKey): void {
  (f.function.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: queue.queueArn };
  grantSend(f, queue, key, 'SendDeadLetters');
}
