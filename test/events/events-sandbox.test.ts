import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';
import { readStream } from '../support/sse-client.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

/** Every event kind a sandbox flow produces reaches the tenant's webhook (signed) and its stream. */
describe('events on the sandbox', () => {
  let h: Harness;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let admin: string;
  let app: string;
  let webhookId: string;

  beforeAll(async () => {
    h = await startHarness({
      env: { HCB_EVENTS_SETTLE_MS: '200', HCB_WEBHOOK_MAX_FAILURES: '3', HCB_WEBHOOK_RETRY_BASE_MS: '100' },
    });
    receiver = await startWebhookReceiver();
    admin = await h.token('events-a', ['admin']);
    app = await h.token('events-a', ['app']);
    const created = await h.call('POST', '/v1/webhooks', {
      token: admin,
      body: {
        url: receiver.url,
        events: ['operation.succeeded', 'operation.failed', 'vm.statusChanged', 'placement.denied'],
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    receiver.setSecret(created.body.secret);
    webhookId = created.body.id;
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it('tells a create, a stop, a failed create and a denied placement, once per event id', async () => {
    const vm = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'told', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
    });
    expect(vm.status).toBe(202);
    const vmId = vm.body.vm.id;
    await h.settle(app, vm.body.operation.id);
    const stop = await h.call('POST', `/v1/vms/${vmId}/actions`, { token: app, body: { type: 'stop' } });
    await h.settle(app, stop.body.operation.id);

    // A phi VM whose builds fail on every on-prem target: the create fails.
    const operator = await h.token('platform', ['operator']);
    for (const target of ['sandbox-onprem-north', 'sandbox-onprem-south']) {
      const fault = await h.call('PUT', `/v1/sandbox/targets/${target}/faults`, {
        token: operator,
        body: { rules: [{ type: 'failBuild', count: 10 }] },
      });
      expect(fault.status, fault.text).toBe(200);
    }
    const doomed = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'doomed', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
    });
    expect(doomed.status).toBe(202);
    const failed = await h.settle(app, doomed.body.operation.id, 60_000);
    expect(failed.status).toBe('failed');

    const denied = await h.call('POST', '/v1/vms', {
      token: app,
      body: {
        name: 'nope',
        size: 'small',
        image: 'ubuntu-24.04',
        classification: 'phi',
        region: 'us-east-1',
      },
    });
    expect(denied.status).toBe(403);

    const expected = [
      `evt-${vm.body.operation.id}.succeeded`,
      `evt-${vm.body.operation.id}.vm.active`,
      `evt-${stop.body.operation.id}.succeeded`,
      `evt-${stop.body.operation.id}.vm.stopped`,
      `evt-${doomed.body.operation.id}.failed`,
      `evt-${doomed.body.operation.id}.vm.error`,
      `evt-${denied.body.requestId}.placement.denied`,
    ];
    await waitFor(
      async () => expected.filter((id) => !receiver.processed.has(id)),
      (missing) => missing.length === 0,
      { timeoutMs: 20_000, what: 'every event at the webhook' },
    );
    expect(receiver.badSignatures()).toBe(0);
    const ids = receiver.deliveries.map((d) => d.webhookId);
    expect(new Set(ids).size).toBe(ids.length); // no failure here, so nothing was sent twice
    const byId = (id: string) => receiver.processed.get(id)!.payload;
    expect(byId(expected[1]!).type).toBe('vm.statusChanged');
    expect(byId(expected[1]!).data).toMatchObject({ vmId, status: 'active', previousStatus: 'pending' });
    expect(byId(expected[3]!).data).toMatchObject({ vmId, status: 'stopped', previousStatus: 'active' });
    expect(byId(expected[4]!).type).toBe('operation.failed');
    expect(byId(expected[4]!).data.errorCode).toEqual(expect.any(String));
    expect(byId(expected[6]!).type).toBe('placement.denied');
    expect(byId(expected[6]!).data.policies).toContain('place.');
    // No tenant free text: the VM's name never appears in any event.
    for (const d of receiver.deliveries) expect(JSON.stringify(d.payload)).not.toMatch(/told|doomed|nope/);

    // The stream has the same events, in log order, with the same ids.
    const streamed = await readStream(h.base, app);
    expect(streamed.map((s) => s.event.id)).toEqual(expect.arrayContaining(expected));
    const positions = streamed.map((s) => s.position);
    expect([...positions].sort()).toEqual(positions);
  });

  it('resumes the stream after a dropped connection, without gaps or repeats', async () => {
    const all = await readStream(h.base, app);
    expect(all.length).toBeGreaterThanOrEqual(7);
    // Drop after the third event: reconnect with the last id received.
    const rest = await readStream(h.base, app, all[2]!.position);
    expect(rest.map((s) => s.event.id)).toEqual(all.slice(3).map((s) => s.event.id));
    // A follow stream ends by itself at the server's limit, having sent nothing new.
    const started = Date.now();
    const tail = await readStream(h.base, app, all.at(-1)!.position, '?follow=false');
    expect(tail).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("keeps tenants apart: another tenant's stream and webhooks show nothing of these", async () => {
    const other = await h.token('events-b', ['app']);
    expect(await readStream(h.base, other)).toEqual([]);
    const otherAdmin = await h.token('events-b', ['admin']);
    const list = await h.call('GET', '/v1/webhooks', { token: otherAdmin });
    expect(list.body.items).toEqual([]);
    const refused = await h.call('POST', '/v1/webhooks', {
      token: admin,
      body: { url: 'https://169.254.169.254/latest/meta-data/', events: ['operation.failed'] },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('webhook.urlRefused');
    expect(refused.body.errors[0].field).toBe('body.url');
    const get = await h.call('GET', `/v1/webhooks/${webhookId}`, { token: otherAdmin });
    expect(get.status).toBe(404);
    const del = await h.call('DELETE', `/v1/webhooks/${webhookId}`, { token: otherAdmin });
    expect(del.status).toBe(404);
    const appCreates = await h.call('POST', '/v1/webhooks', {
      token: app,
      body: { url: receiver.url, events: ['operation.failed'] },
    });
    expect(appCreates.status).toBe(403);
  });

  it('pages webhooks with signed cursors and keeps to 10 per tenant', async () => {
    const made: string[] = [webhookId];
    for (let i = 0; i < 9; i++) {
      const reply = await h.call('POST', '/v1/webhooks', {
        token: admin,
        body: { url: `http://127.0.0.1:9/extra-${i}`, events: ['drift.detected'] },
      });
      expect(reply.status, reply.text).toBe(201);
      made.push(reply.body.id);
    }
    const eleventh = await h.call('POST', '/v1/webhooks', {
      token: admin,
      body: { url: 'http://127.0.0.1:9/one-too-many', events: ['drift.detected'] },
    });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.code).toBe('webhook.limitReached');
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const reply = await h.call(
        'GET',
        `/v1/webhooks?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        {
          token: admin,
        },
      );
      expect(reply.status).toBe(200);
      expect(reply.text).not.toContain('whsec_');
      seen.push(...reply.body.items.map((w: { id: string }) => w.id));
      cursor = reply.body.nextCursor;
      if (cursor) {
        const stolen = await h.call('GET', `/v1/webhooks?cursor=${encodeURIComponent(cursor)}`, {
          token: await h.token('events-b', ['admin']),
        });
        expect(stolen.status).toBe(400);
      }
    } while (cursor);
    expect(seen.sort()).toEqual([...made].sort());
    for (const id of made.slice(1))
      expect((await h.call('DELETE', `/v1/webhooks/${id}`, { token: admin })).status).toBe(200);
  });

  it('shows the webhook without its secret, and disables it after persistent failure with the reason', async () => {
    const got = await h.call('GET', `/v1/webhooks/${webhookId}`, { token: admin });
    expect(got.status).toBe(200);
    expect(got.text).not.toContain('whsec_');
    expect(got.body.status).toBe('active');

    receiver.respondWith(() => 500);
    const vm = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'unheard', size: 'small', image: 'ubuntu-24.04', classification: 'internal' },
    });
    await h.settle(app, vm.body.operation.id);
    const disabled = await waitFor(
      async () => (await h.call('GET', `/v1/webhooks/${webhookId}`, { token: admin })).body,
      (body) => body.status === 'disabled',
      { timeoutMs: 30_000, what: 'the webhook disabled' },
    );
    expect(disabled.disabledReason).toMatch(/consecutive failed deliveries; last: HTTP 500/);
    const attempts = receiver.deliveries.filter(
      (d) => d.webhookId === `evt-${vm.body.operation.id}.succeeded`,
    );
    expect(attempts.length).toBe(3); // HCB_WEBHOOK_MAX_FAILURES
    const keyed = { token: admin, headers: { 'idempotency-key': 'remove-the-hook' } };
    const removed = await h.call('DELETE', `/v1/webhooks/${webhookId}`, keyed);
    expect(removed.status).toBe(200);
    expect(removed.body.id).toBe(webhookId);
    const replayed = await h.call('DELETE', `/v1/webhooks/${webhookId}`, keyed);
    expect(replayed.status).toBe(200);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect((await h.call('GET', `/v1/webhooks/${webhookId}`, { token: admin })).status).toBe(404);
  });
});
