import { Aws, Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stage-config.ts';
import type { Broker } from './broker.ts';

export interface AlarmsProps {
  readonly config: StageConfig;
  readonly broker: Broker;
  readonly httpApi: apigwv2.HttpApi;
  readonly messagingKey: kms.IKey;
}

/**
 * What pages someone, per region: anything in a dead-letter queue, worker/reconciler/API function errors,
 * API 5xx responses, and throttling of any function. Alarms (and recoveries) go to a KMS-encrypted SNS
 * topic with the on-call address subscribed.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { broker, config } = props;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `hcb ${config.stage} alarms`,
      masterKey: props.messagingKey,
      enforceSSL: true,
    });
    // CloudWatch alarms of this account (and nothing else) may publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
        },
      }),
    );
    this.topic.addSubscription(new subscriptions.EmailSubscription(config.observability.alarmEmail));

    const period = Duration.minutes(5);
    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric, threshold = 0) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      a.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };

    alarm(
      'DeadLetterQueueDepth',
      'Operations parked in the dead-letter queue after maxReceiveCount failed ticks (I5: resolve or redrive).',
      broker.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
    );
    alarm(
      'ReconcilerDeadLetterQueueDepth',
      'Reconciler runs that failed (stalled operations and orphans are not being cleaned up).',
      broker.reconcilerDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
    );
    alarm(
      'WorkerErrors',
      'Worker function errors (invocations that failed as a whole).',
      broker.worker.function.metricErrors({ period }),
    );
    alarm(
      'ReconcilerErrors',
      'Reconciler function errors.',
      broker.reconciler.function.metricErrors({ period }),
    );
    alarm(
      'ApiFunctionErrors',
      "API function errors (unhandled, outside the app's problem+json responses).",
      broker.api.function.metricErrors({ period }),
    );
    alarm(
      'Api5xx',
      `API 5xx responses above ${config.observability.api5xxThreshold} in 5 minutes.`,
      props.httpApi.metricServerError({ period, statistic: 'Sum' }),
      config.observability.api5xxThreshold,
    );
    for (const [name, f] of [
      ['Api', broker.api],
      ['Worker', broker.worker],
      ['Reconciler', broker.reconciler],
    ] as const) {
      alarm(
        `${name}Throttles`,
        `${name} function throttled (reserved concurrency exhausted).`,
        f.function.metricThrottles({ period }),
      );
    }
  }
}
