import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROKER_DIMENSION, METRICS, METRICS_NAMESPACE } from '../core/ports/metrics.ts';
import { testApp } from '../test/support/stacks/test-app.ts';
import { dev } from './config/dev.ts';
import { OBSERVABILITY_DEFAULTS } from './constructs/alarms.ts';

type Properties = Record<string, unknown>;
const propertiesOf = (t: Template, type: string): Properties[] =>
  Object.values(t.toJSON().Resources as Record<string, { Type: string; Properties: Properties }>)
    .filter((r) => r.Type === type)
    .map((r) => r.Properties);

/** The dashboard body with its tokens (the region, queue names) flattened into text. */
const bodyText = (body: unknown): string =>
  typeof body === 'string' ? body : JSON.stringify(body).replace(/\\"/g, '"').replace(/\\\\/g, '\\');

/** The broker's metric alarms, found by the metric names the functions emit (core/ports/metrics.ts). */
describe('regional stack: dashboard and metric alarms (dev, both regions)', () => {
  const templates: Template[] = [];
  beforeAll(() => {
    const app = testApp(dev);
    for (const stack of app.stacks.regional) templates.push(app.template(stack));
  });

  it('has one dashboard per region, named for it, reading every metric the broker defines', () => {
    expect(templates).toHaveLength(dev.regions.length);
    templates.forEach((t, i) => {
      const [dashboard, ...more] = propertiesOf(t, 'AWS::CloudWatch::Dashboard');
      expect(more).toEqual([]);
      expect(dashboard!.DashboardName).toBe(`hcb-dev-${dev.regions[i]!.region}`);
      const body = bodyText(dashboard!.DashboardBody);
      for (const section of [
        'API',
        'Placement and policy',
        'Operations',
        'Target clouds',
        'Queue and dead-letter queue',
        'Quotas',
      ])
        expect(body).toContain(`## ${section}`);
      // On Lambda the queue's depth is SQS's own metric; the broker reports it only on the embedded default.
      for (const [id, definition] of Object.entries(METRICS))
        if (id !== 'queueDepth') expect(body, definition.name).toContain(definition.name);
      expect(body).toContain('ApproximateNumberOfMessagesVisible');
      expect(body).toContain(METRICS_NAMESPACE);
      expect(body).toContain('ApproximateAgeOfOldestMessage');
    });
  });

  const alarms = () => propertiesOf(templates[0]!, 'AWS::CloudWatch::Alarm');
  const byMetric = (name: string) => alarms().filter((a) => a.MetricName === name);
  const brokerDimensions = (extra: Record<string, string> = {}) =>
    Object.entries({ ...BROKER_DIMENSION, ...extra }).map(([Name, Value]) => ({ Name, Value }));

  it('pages when any target circuit opens, on the rollup of every target', () => {
    expect(byMetric(METRICS.circuitOpen.name)).toEqual([
      expect.objectContaining({
        Namespace: METRICS_NAMESPACE,
        Dimensions: brokerDimensions(),
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
  });

  it('pages when operations stay past their deadline over two reconcile passes', () => {
    expect(byMetric(METRICS.operationsOverdue.name)).toEqual([
      expect.objectContaining({ Dimensions: brokerDimensions(), Threshold: 0, EvaluationPeriods: 2 }),
    ]);
  });

  it('pages on a spike of policy denials', () => {
    expect(byMetric(METRICS.policyDenials.name)).toEqual([
      expect.objectContaining({
        Dimensions: brokerDimensions(),
        Statistic: 'Sum',
        Threshold: OBSERVABILITY_DEFAULTS.policyDenialsPer5Minutes,
      }),
    ]);
  });

  it('pages on the API error rate: 5xx requests over all requests, from the status-class rollup', () => {
    const [rate, ...more] = alarms().filter((a) =>
      JSON.stringify(a.Metrics ?? []).includes(METRICS.httpRequests.name),
    );
    expect(more).toEqual([]);
    expect(rate).toMatchObject({ Threshold: OBSERVABILITY_DEFAULTS.errorRatePercent, EvaluationPeriods: 2 });
    const queries = rate!.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: Properties };
    }[];
    expect(queries.find((q) => q.Expression)?.Expression).toBe('IF(total > 0, 100 * errors / total, 0)');
    const stat = (id: string) => queries.find((q) => q.Id === id)!.MetricStat!.Metric;
    expect(stat('errors')).toEqual({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRICS.httpRequests.name,
      Dimensions: brokerDimensions({ status_class: '5xx' }),
    });
    expect(stat('total')).toEqual({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRICS.httpRequests.name,
      Dimensions: brokerDimensions(),
    });
  });

  it('still pages when a dead-letter queue is not empty', () => {
    expect(
      alarms().filter(
        (a) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions).includes('DeadLetter'),
      ),
    ).toHaveLength(2);
  });
});
