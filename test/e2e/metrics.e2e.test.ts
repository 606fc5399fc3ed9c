import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../core/ports/metrics.ts';
import { parsePrometheusText } from '../support/prometheus-text.ts';
import { type SpawnedBroker, spawnBroker } from './spawned-broker.ts';

/** The shipped `npm start` process with HCB_METRICS_ACCESS=loopback: a local scraper needs no token. */
describe('npm start: GET /metrics for a scraper on this host', () => {
  let b: SpawnedBroker;
  let app: string;

  beforeAll(async () => {
    b = await spawnBroker({ HCB_METRICS_ACCESS: 'loopback' });
    app = await b.token('e2e-metrics', 'app');
  }, 90_000);
  afterAll(() => b?.stop());

  it('serves the exposition without a token over the loopback interface, counting a real create', async () => {
    const created = await b.call(app, 'POST', '/v1/vms', {
      name: 'scraped-vm',
      size: 'small',
      image: 'ubuntu-24.04',
      classification: 'internal',
    });
    expect(created.status, created.text).toBe(202);
    expect((await b.settle(app, created.body.operation.id)).status).toBe('succeeded');

    const reply = await fetch(`${b.base}/metrics`);
    expect(reply.status).toBe(200);
    const text = await reply.text();
    const families = parsePrometheusText(text);
    const requests = families.get(METRICS.httpRequests.name)!.samples;
    expect(requests).toContainEqual({
      name: METRICS.httpRequests.name,
      labels: { route: '/v1/vms', method: 'POST', status: '202', status_class: '2xx' },
      value: 1,
    });
    const finished = families.get(METRICS.operations.name)!.samples;
    expect(finished).toContainEqual(
      expect.objectContaining({ labels: { kind: 'vm.create', outcome: 'succeeded' }, value: 1 }),
    );
    expect(text).not.toContain('scraped-vm');
    // A token, when given, is checked: a tenant's app may not read the metrics even from here.
    expect((await fetch(`${b.base}/metrics`, { headers: { authorization: `Bearer ${app}` } })).status).toBe(
      403,
    );
  });
});
