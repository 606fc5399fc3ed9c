import { expect } from 'vitest';
import type { Harness } from './broker-harness.ts';
import { readStream } from './sse-client.ts';
import { waitFor } from './wait-for.ts';
import { startWebhookReceiver } from './webhook-receiver.ts';

/**
 * A VM's life on a real cloud told through events: a webhook (signatures verified with
 * `standardwebhooks`) and the event stream both see create, stop and delete on `targetId` — each
 * operation's outcome and each status change, once per id — plus a denied placement and a create refused
 * by the tenant's quota.
 */
export async function vmLifeThroughEvents(
  h: Harness,
  tenant: string,
  body: Record<string, unknown>,
  deniedBody: Record<string, unknown>,
  timeoutMs: number,
  targetId: string,
): Promise<void> {
  const receiver = await startWebhookReceiver();
  try {
    const admin = await h.token(tenant, ['admin']);
    const app = await h.token(tenant, ['app']);
    const created = await h.call('POST', '/v1/webhooks', {
      token: admin,
      body: {
        url: receiver.url,
        events: [
          'operation.succeeded',
          'operation.failed',
          'vm.statusChanged',
          'placement.denied',
          'quota.exceeded',
        ],
      },
    });
    expect(created.status, created.text).toBe(201);
    receiver.setSecret(created.body.secret);

    const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
      expect(reply.status, reply.text).toBe(202);
      const op = await h.settle(app, reply.body.operation.id, timeoutMs);
      expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
      return reply.body.operation.id;
    };
    const vm = await h.call('POST', '/v1/vms', { token: app, body });
    expect(vm.body.vm.placement?.targetId, vm.text).toBe(targetId);
    const vmId = vm.body.vm.id as string;
    const createOp = await settle(vm);
    const stopOp = await settle(
      await h.call('POST', `/v1/vms/${vmId}/actions`, { token: app, body: { type: 'stop' } }),
    );
    const deleteOp = await settle(await h.call('DELETE', `/v1/vms/${vmId}`, { token: app }));
    const denied = await h.call('POST', '/v1/vms', { token: app, body: deniedBody });
    expect(denied.status, denied.text).toBe(403);
    // No room left on either site: the same create is refused by the quota, before any cloud call.
    const noRoom = await h.call('PUT', `/v1/quotas/${tenant}`, {
      token: admin,
      body: { onprem: { instances: 0 }, public: { instances: 0 } },
    });
    expect(noRoom.status, noRoom.text).toBe(200);
    const overQuota = await h.call('POST', '/v1/vms', { token: app, body });
    expect(overQuota.status, overQuota.text).toBe(403);
    expect(overQuota.body.code).toBe('quota.exceeded');

    const expected: Record<string, string> = {
      [`evt-${createOp}.succeeded`]: 'operation.succeeded',
      [`evt-${createOp}.vm.active`]: 'vm.statusChanged',
      [`evt-${stopOp}.succeeded`]: 'operation.succeeded',
      [`evt-${stopOp}.vm.stopped`]: 'vm.statusChanged',
      [`evt-${deleteOp}.succeeded`]: 'operation.succeeded',
      [`evt-${deleteOp}.vm.deleted`]: 'vm.statusChanged',
      [`evt-${denied.body.requestId}.placement.denied`]: 'placement.denied',
      [`evt-${overQuota.body.requestId}.quota.exceeded`]: 'quota.exceeded',
    };
    await waitFor(
      async () => Object.keys(expected).filter((id) => !receiver.processed.has(id)),
      (missing) => missing.length === 0,
      { timeoutMs: 30_000, what: 'every event at the webhook' },
    );
    expect(receiver.badSignatures()).toBe(0);
    for (const [id, kind] of Object.entries(expected))
      expect(receiver.processed.get(id)!.payload.type).toBe(kind);
    const ids = receiver.deliveries.map((d) => d.webhookId);
    expect(new Set(ids).size).toBe(ids.length);
    const streamed = (await readStream(h.base, app)).map((s) => s.event.id);
    expect(streamed).toEqual(expect.arrayContaining(Object.keys(expected)));
    expect(new Set(streamed).size).toBe(streamed.length);
  } finally {
    await receiver.close();
  }
}
