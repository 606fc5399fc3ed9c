import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { BROKER_DIMENSION, METRICS, METRICS_NAMESPACE, type MetricId } from '../../core/ports/metrics.ts';

/**
 * The broker's own metrics as CloudWatch reads them: the names and rollups come from the one definition
 * the functions emit with (core/ports/metrics.ts), so a renamed metric cannot leave a dashboard or an
 * alarm reading nothing.
 */
export function brokerMetric(
  id: MetricId,
  options: { statistic: string; period?: Duration; rollup?: Record<string, string>; label?: string },
): cloudwatch.Metric {
  const definition = METRICS[id];
  const keys = Object.keys(options.rollup ?? {}).sort();
  if (!definition.rollups.some((r) => [...r].sort().join() === keys.join()))
    throw new Error(`${definition.name} has no rollup by [${keys.join(', ')}]`);
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: definition.name,
    dimensionsMap: { ...BROKER_DIMENSION, ...options.rollup },
    statistic: options.statistic,
    period: options.period ?? Duration.minutes(5),
    ...(options.label ? { label: options.label } : {}),
  });
}

/** Every series of a metric by its full label set (dashboards only: alarms cannot search). */
export function brokerSearch(id: MetricId, statistic: string): cloudwatch.MathExpression {
  const definition = METRICS[id];
  const dimensions = [METRICS_NAMESPACE, ...Object.keys(BROKER_DIMENSION), ...definition.labels].join(',');
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${dimensions}} MetricName="${definition.name}"', '${statistic}', 300)`,
    period: Duration.minutes(5),
  });
}

/** Percentage of API requests answered 5xx, 0 when there were none. */
export function errorRatePercent(period = Duration.minutes(5)): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'IF(total > 0, 100 * errors / total, 0)',
    usingMetrics: {
      errors: brokerMetric('httpRequests', { statistic: 'Sum', period, rollup: { status_class: '5xx' } }),
      total: brokerMetric('httpRequests', { statistic: 'Sum', period }),
    },
    label: 'API 5xx %',
    period,
  });
}
