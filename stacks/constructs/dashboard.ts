import { Aws, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { Broker } from './broker.ts';
import { brokerMetric, brokerSearch, errorRatePercent } from './broker-metrics.ts';

export interface DashboardProps {
  readonly dashboardName: string;
  readonly broker: Broker;
}

const WIDTH = 8;

/**
 * One CloudWatch dashboard per region, in the order an operator asks: is the API answering, where is
 * work being placed (and refused), are operations finishing, how is each target cloud, is the queue
 * draining, how full are the tenants' quotas.
 */
export class BrokerDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { broker } = props;
    const sum = { statistic: 'Sum' };
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: WIDTH, height: 6 });
    const section = (title: string) =>
      new cloudwatch.TextWidget({ markdown: `## ${title}`, width: 24, height: 1 });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Hybrid cloud broker — ${Aws.REGION}\nMetrics: docs/metrics.md. Alarms go to the alarm topic.`,
        width: 24,
        height: 2,
      }),
      section('API'),
    );
    this.dashboard.addWidgets(
      graph(
        'Requests by status class',
        ['2xx', '3xx', '4xx', '5xx'].map((c) =>
          brokerMetric('httpRequests', { ...sum, rollup: { status_class: c }, label: c }),
        ),
      ),
      graph('5xx rate (%)', [errorRatePercent()]),
      graph('Latency (s)', [
        brokerMetric('httpDuration', { statistic: 'p50', label: 'p50' }),
        brokerMetric('httpDuration', { statistic: 'p99', label: 'p99' }),
      ]),
    );
    this.dashboard.addWidgets(section('Placement and policy'));
    this.dashboard.addWidgets(
      graph(
        'Placement decisions',
        ['placed', 'denied'].map((o) =>
          brokerMetric('placementDecisions', { ...sum, rollup: { outcome: o }, label: o }),
        ),
      ),
      graph('Decisions by deciding policy', [brokerSearch('placementDecisions', 'Sum')]),
      graph('API denials by policy', [brokerSearch('policyDenials', 'Sum')]),
    );
    this.dashboard.addWidgets(section('Operations'));
    this.dashboard.addWidgets(
      graph(
        'Operations finished',
        ['succeeded', 'failed'].map((o) =>
          brokerMetric('operations', { ...sum, rollup: { outcome: o }, label: o }),
        ),
      ),
      graph('Operation duration (s)', [
        brokerMetric('operationDuration', { statistic: 'p50', label: 'p50' }),
        brokerMetric('operationDuration', { statistic: 'p95', label: 'p95' }),
      ]),
      graph('Past their deadline', [
        brokerMetric('operationsOverdue', { statistic: 'Maximum', label: 'overdue' }),
      ]),
    );
    this.dashboard.addWidgets(section('Target clouds'));
    this.dashboard.addWidgets(
      graph('Cloud calls by target, service, outcome', [brokerSearch('cloudCalls', 'Sum')]),
      graph('Cloud call latency p95 (s)', [brokerSearch('cloudCallDuration', 'p95')]),
      graph(
        'Circuit open (1) per target',
        [brokerSearch('circuitOpen', 'Maximum')],
        [brokerSearch('targetHealthy', 'Minimum')],
      ),
    );
    this.dashboard.addWidgets(section('Queue and dead-letter queue'));
    const queueMetric = { period: Duration.minutes(1), statistic: 'Maximum' };
    this.dashboard.addWidgets(
      graph(
        'Operations queue',
        [broker.queue.metricApproximateNumberOfMessagesVisible({ ...queueMetric, label: 'waiting' })],
        [broker.queue.metricApproximateAgeOfOldestMessage({ ...queueMetric, label: 'oldest (s)' })],
      ),
      graph('Dead-letter queues', [
        broker.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          ...queueMetric,
          label: 'operations',
        }),
        broker.reconcilerDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          ...queueMetric,
          label: 'reconciler',
        }),
      ]),
      graph('Age at delivery (s)', [
        brokerMetric('queueOldestAge', { statistic: 'Maximum', label: 'oldest in batch' }),
      ]),
    );
    this.dashboard.addWidgets(section('Quotas'));
    this.dashboard.addWidgets(
      graph('Quota used by tenant, site, resource', [brokerSearch('quotaUsed', 'Maximum')]),
      graph('Quota limit by tenant, site, resource', [brokerSearch('quotaLimit', 'Maximum')]),
    );
  }
}
