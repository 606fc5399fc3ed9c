import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';
let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h.close());
it('repro', async () => {
  const admin = await h.token('t', ['admin']);
  const app = await h.token('t', ['app']);
  const r = await h.call('PUT', '/v1/sandbox/targets/sandbox-onprem-north/faults', { token: admin, body: { rules: [{ type: 'fail', kind: 'unavailable', count: 1000 }] } });
  expect(r.status).toBe(200);
  const t0 = Date.now();
  const c = await h.call('POST', '/v1/vms', { token: app, body: { name: 'x', size: 'small', image: 'ubuntu-24.04', classification: 'phi' } });
  const op = await h.settle(app, c.body.operation.id, 60000);
  console.log(Date.now() - t0, JSON.stringify(op.error), JSON.stringify(op.steps));
  console.log(JSON.stringify((await h.call('GET', '/v1/targets', { token: app })).body).slice(0, 1500));
}, 70000);
