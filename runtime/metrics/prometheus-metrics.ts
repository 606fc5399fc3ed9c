import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  BrokerMetrics,
  DURATION_BUCKETS,
  type Labels,
  METRICS,
  type MetricId,
  type MetricSink,
} from '../../core/ports/metrics.ts';

type Instrument = Counter<string> | Gauge<string> | Histogram<string>;

/**
 * The embedded default's metrics: a prom-client registry of its own (not the global one) holding every
 * metric of the definition, served in Prometheus text format at `GET /metrics`. Levels that are cheaper
 * to read than to push (the queue) are read at scrape time through `beforeScrape`.
 */
export class PrometheusMetrics extends BrokerMetrics {
  readonly registry: Registry;
  readonly #beforeScrape: (() => void | Promise<void>)[] = [];

  constructor() {
    const registry = new Registry();
    const instruments = new Map<MetricId, Instrument>();
    for (const [id, definition] of Object.entries(METRICS) as [MetricId, (typeof METRICS)[MetricId]][]) {
      const common = {
        name: definition.name,
        help: definition.help,
        labelNames: [...definition.labels],
        registers: [registry],
      };
      instruments.set(
        id,
        definition.kind === 'counter'
          ? new Counter(common)
          : definition.kind === 'gauge'
            ? new Gauge(common)
            : new Histogram({ ...common, buckets: DURATION_BUCKETS }),
      );
    }
    const sink: MetricSink = {
      add<Id extends MetricId>(id: Id, labels: Labels<Id>, value: number) {
        const instrument = instruments.get(id)!;
        if (instrument instanceof Histogram) instrument.observe(labels, value);
        else if (instrument instanceof Counter) instrument.inc(labels, value);
      },
      set<Id extends MetricId>(id: Id, labels: Labels<Id>, value: number) {
        const instrument = instruments.get(id)!;
        if (instrument instanceof Gauge) instrument.set(labels, value);
      },
    };
    super(sink);
    this.registry = registry;
  }

  /** Runs `observe` before each scrape (reads a level where it lives). */
  beforeScrape(observe: () => void | Promise<void>): void {
    this.#beforeScrape.push(observe);
  }

  /** The exposition, in Prometheus text format 0.0.4. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    for (const observe of this.#beforeScrape) await observe();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
