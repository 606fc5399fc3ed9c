import type { CircuitState } from './target-health.ts';

/**
 * The broker's metrics: one definition of names, kinds, units and labels, shared by the Prometheus
 * exposition of the embedded default (`GET /metrics`), the CloudWatch embedded metrics of Lambda and the
 * CDK dashboards and alarms (docs/metrics.md). Label values are route templates, ids from the catalogue,
 * statuses and error codes: never PHI, never tenant free text (names, tags, paths with ids).
 */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  name: string;
  kind: MetricKind;
  /** `seconds` for durations, `count` for counters, `none` for levels and ratios. */
  unit: 'seconds' | 'count' | 'none';
  help: string;
  labels: readonly string[];
  /**
   * The label subsets CloudWatch also aggregates by (EMF dimension sets besides the full one); `[]` is the
   * whole deployment. Alarms read these, because an alarm cannot sum over unknown dimension values.
   */
  rollups: readonly (readonly string[])[];
}

function metric<const L extends readonly string[]>(
  name: string,
  kind: MetricKind,
  unit: MetricDefinition['unit'],
  help: string,
  labels: L,
  rollups: readonly (readonly L[number][])[] = [[]],
): MetricDefinition & { labels: L } {
  return { name, kind, unit, help, labels, rollups };
}

export const METRICS = {
  httpRequests: metric(
    'hcb_http_requests_total',
    'counter',
    'count',
    'API requests answered, by route template, method and status',
    ['route', 'method', 'status', 'status_class'],
    [[], ['status_class']],
  ),
  httpDuration: metric(
    'hcb_http_request_duration_seconds',
    'histogram',
    'seconds',
    'API request latency, by route template and method',
    ['route', 'method'],
  ),
  placementDecisions: metric(
    'hcb_placement_decisions_total',
    'counter',
    'count',
    'Placement decisions, by outcome (placed, denied) and the policy that decided',
    ['outcome', 'policy'],
    [[], ['outcome']],
  ),
  policyDenials: metric(
    'hcb_policy_denials_total',
    'counter',
    'count',
    'API requests the authorization policies denied, by deciding policy',
    ['policy'],
  ),
  operations: metric(
    'hcb_operations_total',
    'counter',
    'count',
    'Operations finished, by kind and outcome (succeeded, failed)',
    ['kind', 'outcome'],
    [[], ['outcome']],
  ),
  operationDuration: metric(
    'hcb_operation_duration_seconds',
    'histogram',
    'seconds',
    'Time from an operation being accepted to its end, by kind and outcome',
    ['kind', 'outcome'],
  ),
  operationsOverdue: metric(
    'hcb_operations_overdue',
    'gauge',
    'none',
    'Unfinished operations past their deadline, as the last reconcile pass saw them',
    [],
  ),
  cloudCalls: metric(
    'hcb_cloud_calls_total',
    'counter',
    'count',
    'Calls to target clouds, by target, service and outcome (ok or the error code)',
    ['target', 'service', 'outcome'],
    [[], ['target']],
  ),
  cloudCallDuration: metric(
    'hcb_cloud_call_duration_seconds',
    'histogram',
    'seconds',
    'Latency of calls to target clouds, by target and service',
    ['target', 'service'],
  ),
  circuitOpen: metric(
    'hcb_target_circuit_open',
    'gauge',
    'none',
    "1 while a target's circuit breaker is open or half-open, else 0",
    ['target'],
  ),
  targetHealthy: metric(
    'hcb_target_healthy',
    'gauge',
    'none',
    '1 while a target is not known to be unavailable, else 0',
    ['target'],
  ),
  queueDepth: metric(
    'hcb_queue_depth',
    'gauge',
    'none',
    'Operations waiting in the queue (scheduled or ready)',
    [],
  ),
  queueOldestAge: metric(
    'hcb_queue_oldest_age_seconds',
    'gauge',
    'seconds',
    'Age of the oldest operation waiting in the queue',
    [],
  ),
  quotaUsed: metric('hcb_quota_used', 'gauge', 'none', 'Quota use per tenant id, site and resource', [
    'tenant',
    'site',
    'resource',
  ]),
  quotaLimit: metric('hcb_quota_limit', 'gauge', 'none', 'Quota limit per tenant id, site and resource', [
    'tenant',
    'site',
    'resource',
  ]),
} as const;

/** The CloudWatch namespace the Lambda functions publish in, and the dashboards and alarms read. */
export const METRICS_NAMESPACE = 'HybridCloudBroker';
/**
 * The dimension every data point carries besides its labels: the rollups alarms read are keyed by it
 * alone. Not Powertools' default `service`, which is a label of the cloud-call metrics.
 */
export const BROKER_DIMENSION = { broker: 'hcb' } as const;

export type MetricId = keyof typeof METRICS;
export type Labels<Id extends MetricId> = Record<(typeof METRICS)[Id]['labels'][number], string>;

/** Where the typed observations below go: a Prometheus registry or CloudWatch embedded metrics. */
export interface MetricSink {
  /** Adds `value` to a counter, or records one observation of a histogram (durations in seconds). */
  add<Id extends MetricId>(id: Id, labels: Labels<Id>, value: number): void;
  /** Sets a gauge. */
  set<Id extends MetricId>(id: Id, labels: Labels<Id>, value: number): void;
}

/** Bucket upper bounds (seconds) of the latency histograms: 5 ms to 2 minutes. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * The observations the broker makes, one typed method each, so every caller names the same metric with
 * the same labels. Callers pass catalogue ids, route templates and codes only.
 */
export class BrokerMetrics {
  readonly #sink: MetricSink;

  constructor(sink: MetricSink) {
    // Observing must never fail the work observed: a value that is not a number (a bad timestamp) or a
    // sink that throws loses the data point, not the request or the operation.
    this.#sink = {
      add<Id extends MetricId>(id: Id, labels: Labels<Id>, value: number) {
        if (!Number.isFinite(value)) return;
        try {
          sink.add(id, labels, value);
        } catch {}
      },
      set<Id extends MetricId>(id: Id, labels: Labels<Id>, value: number) {
        if (!Number.isFinite(value)) return;
        try {
          sink.set(id, labels, value);
        } catch {}
      },
    };
  }

  requestCompleted(route: string, method: string, status: number, ms: number): void {
    const labels = { route, method, status: String(status), status_class: `${Math.floor(status / 100)}xx` };
    this.#sink.add('httpRequests', labels, 1);
    this.#sink.add('httpDuration', { route, method }, ms / 1000);
  }

  placementDecided(outcome: 'placed' | 'denied', policyId: string): void {
    this.#sink.add('placementDecisions', { outcome, policy: policyId }, 1);
  }

  policyDenied(policyId: string): void {
    this.#sink.add('policyDenials', { policy: policyId }, 1);
  }

  operationFinished(kind: string, outcome: 'succeeded' | 'failed', ms: number): void {
    this.#sink.add('operations', { kind, outcome }, 1);
    this.#sink.add('operationDuration', { kind, outcome }, ms / 1000);
  }

  operationsOverdue(count: number): void {
    this.#sink.set('operationsOverdue', {}, count);
  }

  cloudCall(targetId: string, service: string, outcome: string, ms: number): void {
    this.#sink.add('cloudCalls', { target: targetId, service, outcome }, 1);
    this.#sink.add('cloudCallDuration', { target: targetId, service }, ms / 1000);
  }

  targetHealth(targetId: string, circuit: CircuitState, healthy: boolean): void {
    this.#sink.set('circuitOpen', { target: targetId }, circuit === 'closed' ? 0 : 1);
    this.#sink.set('targetHealthy', { target: targetId }, healthy ? 1 : 0);
  }

  /** `depth` is unknown where the queue is not ours to count (SQS: CloudWatch has its own metric). */
  queueObserved(depth: number | undefined, oldestAgeMs: number): void {
    if (depth !== undefined) this.#sink.set('queueDepth', {}, depth);
    this.#sink.set('queueOldestAge', {}, oldestAgeMs / 1000);
  }

  quotaUse(tenant: string, site: string, resource: string, used: number, limit: number): void {
    this.#sink.set('quotaUsed', { tenant, site, resource }, used);
    this.#sink.set('quotaLimit', { tenant, site, resource }, limit);
  }
}

/** Metrics that go nowhere (tests and tools that build parts of the broker). */
export const NO_METRICS = new BrokerMetrics({ add() {}, set() {} });
