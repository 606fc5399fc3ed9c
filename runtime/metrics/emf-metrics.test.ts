import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BrokerMetrics, METRICS, METRICS_NAMESPACE } from '../../core/ports/metrics.ts';
import { parsePrometheusText } from '../../test/support/prometheus-text.ts';
import { EmbeddedMetricFormatMetrics } from './emf-metrics.ts';
import { PrometheusMetrics } from './prometheus-metrics.ts';

/** One call of every observation the broker makes, the same on both implementations. */
function observeEverything(metrics: BrokerMetrics): void {
  metrics.requestCompleted('/v1/vms/{id}', 'GET', 404, 12);
  metrics.placementDecided('placed', 'place.phi-onprem-only');
  metrics.policyDenied('builtin.default-deny');
  metrics.operationFinished('vm.create', 'succeeded', 2_500);
  metrics.operationsOverdue(1);
  metrics.cloudCall('onprem-a', 'compute', 'openstack.unavailable', 80);
  metrics.targetHealth('onprem-a', 'open', false);
  metrics.queueObserved(3, 1_500);
  metrics.quotaUse('tenant-a', 'onprem', 'vcpus', 6, 16);
}

interface EmfRecord {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

describe('CloudWatch embedded metrics (Lambda) and the Prometheus exposition use one set of names', () => {
  let written: string[];
  beforeEach(() => {
    written = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const emit = (): EmfRecord[] => {
    observeEverything(new EmbeddedMetricFormatMetrics());
    return written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as EmfRecord);
  };

  it('emits every defined metric under its own name, with its unit, in the broker namespace', () => {
    const records = emit();
    const emitted = records.flatMap((r) => r._aws.CloudWatchMetrics.flatMap((m) => m.Metrics));
    expect([...new Set(emitted.map((m) => m.Name))].sort()).toEqual(
      Object.values(METRICS)
        .map((m) => m.name)
        .sort(),
    );
    for (const record of records) expect(record._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
    const unitOf = (name: string) => emitted.find((m) => m.Name === name)!.Unit;
    expect(unitOf(METRICS.httpDuration.name)).toBe('Seconds');
    expect(unitOf(METRICS.httpRequests.name)).toBe('Count');
    expect(unitOf(METRICS.circuitOpen.name)).toBe('None');
  });

  it('names the same metrics as the Prometheus exposition', async () => {
    const prometheus = new PrometheusMetrics();
    observeEverything(prometheus);
    const exposed = parsePrometheusText((await prometheus.scrape()).body);
    const emitted = new Set(
      emit().flatMap((r) => r._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name))),
    );
    expect([...emitted].sort()).toEqual([...exposed.keys()].sort());
  });

  it('uses the labels as dimensions, with the rollups alarms read, and the same values', () => {
    for (const record of emit()) {
      const [definition] = Object.values(METRICS).filter(
        (m) => m.name === record._aws.CloudWatchMetrics[0]!.Metrics[0]!.Name,
      );
      const sets = record._aws.CloudWatchMetrics[0]!.Dimensions.map((set) => [...set].sort());
      const expected = [
        ...definition!.rollups,
        ...(definition!.labels.length > 0 ? [definition!.labels] : []),
      ].map((set) => ['broker', ...set].sort());
      expect(sets, definition!.name).toEqual(expected);
      for (const label of definition!.labels) expect(typeof record[label], label).toBe('string');
    }
    const request = emit().find((r) => METRICS.httpRequests.name in r)!;
    expect(request).toMatchObject({
      route: '/v1/vms/{id}',
      method: 'GET',
      status: '404',
      status_class: '4xx',
      broker: 'hcb',
    });
    const duration = emit().find((r) => METRICS.operationDuration.name in r)!;
    expect(duration[METRICS.operationDuration.name]).toBe(2.5);
  });
});
