import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { readStream } from '../support/sse-client.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const TENANT = 'events-q';

/**
 * The two event kinds that do not come from an operation, each from a real flow on the sandbox broker:
 * `quota.exceeded` from a create refused by the tenant's quota, `drift.detected` from a server stopped
 * behind the broker's back and found by a reconcile pass. Both reach a signed webhook once and the stream.
 */
describe('quota and drift events on the sandbox', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let admin: string;
  let app: string;

  beforeAll(async () => {
    h = await startHarness({ env: { HCB_EVENTS_SETTLE_MS: '200' } });
    receiver = await startWebhookReceiver();
    admin = await h.token(TENANT, ['admin']);
    app = await h.token(TENANT, ['app']);
    const created = await h.call('POST', '/v1/webhooks', {
      token: admin,
      body: { url: receiver.url, events: ['quota.exceeded', 'drift.detected'] },
    });
    expect(created.status, created.text).toBe(201);
    receiver.setSecret(created.body.secret);
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  const typed = (type: string) => receiver.deliveries.filter((d) => d.payload.type === type);

  it('a create over the quota is refused and told as quota.exceeded; a server stopped behind the broker as drift.detected', async () => {
    const limit = await h.call('PUT', `/v1/quotas/${TENANT}`, {
      token: admin,
      body: { onprem: { instances: 1 } },
    });
    expect(limit.status, limit.text).toBe(200);
    const phi = { size: 'small', image: 'ubuntu-24.04', classification: 'phi' };
    const first = await h.call('POST', '/v1/vms', { token: app, body: { name: 'quota-first', ...phi } });
    expect(first.status, first.text).toBe(202);
    await h.settle(app, first.body.operation.id);
    const over = await h.call('POST', '/v1/vms', { token: app, body: { name: 'quota-second', ...phi } });
    expect(over.status, over.text).toBe(403);
    expect(over.body.code).toBe('quota.exceeded');

    const vm = await h.broker.stores.vms.get(TENANT, first.body.vm.id);
    const compute = h.broker.providers.get(vm!.placement!.targetId).compute;
    await compute.stopServer(vm!.cloudId!);
    await waitFor(
      async () => (await compute.getServer(vm!.cloudId!)).state,
      (state) => state === 'stopped',
      { timeoutMs: 10_000, what: 'the server to stop' },
    );
    expect((await h.broker.reconciler.run({ orphanGraceMs: 0 })).drifted).toBe(1);

    await waitFor(
      async () => [typed('quota.exceeded').length, typed('drift.detected').length],
      ([quota, drift]) => quota! >= 1 && drift! >= 1,
      { timeoutMs: 20_000, what: 'both events at the webhook' },
    );
    expect(receiver.badSignatures()).toBe(0);
    const [quota] = typed('quota.exceeded');
    expect(quota!.payload.data).toMatchObject({
      code: 'quota.exceeded',
      action: 'vm.create',
      site: 'onprem',
      resource: 'instances',
      limit: 1,
      used: 1,
      requested: 1,
    });
    const [drift] = typed('drift.detected');
    expect(drift!.payload.data).toMatchObject({
      resourceId: first.body.vm.id,
      from: 'active',
      to: 'stopped',
    });
    // Once per id, and no tenant text in either.
    expect(typed('quota.exceeded')).toHaveLength(1);
    expect(typed('drift.detected')).toHaveLength(1);
    for (const d of receiver.deliveries)
      expect(JSON.stringify(d.payload)).not.toMatch(/quota-first|quota-second/);

    const streamed = await readStream(h.base, app);
    expect(streamed.map((s) => s.event.kind)).toEqual(
      expect.arrayContaining(['quota.exceeded', 'drift.detected']),
    );
  });
});
