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
import { brokerMetric, errorRatePercent } from './broker-metrics.ts';

export interface AlarmsProps {
  readonly config: StageConfig;
  readonly broker: Broker;
  readonly httpApi: apigwv2.HttpApi;
  readonly messagingKey: kms.IKey;
}

/**
 * What pages someone, per region: anything in a dead-letter queue, worker/reconciler/API function errors,
 * API 5xx responses, throttling of any function, and from the broker's own metrics (docs/metrics.md): a
 * target's circuit open, operations past their deadline, the API's error rate, a spike of policy denials. Alarms (and recoveries) go to a KMS-encrypted SNS
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
    const alarm = (
      alarmId: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold = 0,
      evaluationPeriods = 1,
    ) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
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
    const limits = { ...OBSERVABILITY_DEFAULTS, ...config.observability };
    alarm(
      'TargetCircuitOpen',
      "A target cloud's circuit breaker is open: placement is steering work away from it (dashboard: Target clouds).",
      brokerMetric('circuitOpen', { statistic: 'Maximum', period: Duration.minutes(1) }),
    );
    alarm(
      'OperationsPastDeadline',
      'Unfinished operations past their deadline in two reconcile passes in a row (I5: every operation ends).',
      brokerMetric('operationsOverdue', { statistic: 'Maximum', period: Duration.minutes(5) }),
      0,
      2,
    );
    alarm(
      'ApiErrorRate',
      `More than ${limits.errorRatePercent}% of API requests answered 5xx in 5 minutes, two periods in a row.`,
      errorRatePercent(period),
      limits.errorRatePercent,
      2,
    );
    alarm(
      'PolicyDenialSpike',
      `More than ${limits.policyDenialsPer5Minutes} requests denied by policy in 5 minutes (a misbehaving client or a probe).`,
      brokerMetric('policyDenials', { statistic: 'Sum', period }),
      limits.policyDenialsPer5Minutes,
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

/** Thresholds of the metric alarms when the stage config leaves them out. */
export const OBSERVABILITY_DEFAULTS = { errorRatePercent: 5, policyDenialsPer5Minutes: 100 };
