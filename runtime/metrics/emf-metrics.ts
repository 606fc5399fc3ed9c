import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  BROKER_DIMENSION,
  BrokerMetrics,
  type Labels,
  METRICS,
  METRICS_NAMESPACE,
  type MetricDefinition,
  type MetricId,
} from '../../core/ports/metrics.ts';

const UNITS: Record<MetricDefinition['unit'], (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  seconds: MetricUnit.Seconds,
  count: MetricUnit.Count,
  none: MetricUnit.NoUnit,
};

/**
 * The Lambda functions' metrics: CloudWatch embedded metric format through Powertools Metrics, with the
 * same names and labels (as dimensions) as the Prometheus exposition. Each observation is written at once
 * as one EMF record, with the metric's full label set and its rollups as dimension sets; nothing is
 * buffered, so a function that ends or crashes loses no data point.
 */
export class EmbeddedMetricFormatMetrics extends BrokerMetrics {
  constructor(
    metrics = new Metrics({ namespace: METRICS_NAMESPACE, logger: withoutOverlapWarnings(console) }),
  ) {
    metrics.clearDefaultDimensions();
    metrics.setDefaultDimensions(BROKER_DIMENSION);
    const emit = <Id extends MetricId>(id: Id, labels: Labels<Id>, value: number) => {
      const definition: MetricDefinition = METRICS[id];
      const values = labels as Record<string, string>;
      for (const rollup of definition.rollups)
        metrics.addDimensions(Object.fromEntries(rollup.map((label) => [label, values[label]!])));
      if (definition.labels.length > 0) metrics.addDimensions(values);
      metrics.addMetric(definition.name, UNITS[definition.unit], value);
      metrics.publishStoredMetrics();
    };
    super({ add: emit, set: emit });
  }
}

/**
 * Powertools warns whenever two dimension sets share a key, which every rollup does by design (the
 * label `target` is in both `[service, target]` and the full set); other warnings still go through.
 */
function withoutOverlapWarnings(logger: Console) {
  return {
    debug: (...args: unknown[]) => logger.debug(...args),
    info: (...args: unknown[]) => logger.info(...args),
    error: (...args: unknown[]) => logger.error(...args),
    warn: (...args: unknown[]) => {
      if (!String(args[0]).includes('is defined as both a dimension set and dimension set'))
        logger.warn(...args);
    },
  };
}
