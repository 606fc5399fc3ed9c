import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/broker-harness.ts';

/**
 * An Idempotency-Key replays a stored answer only to whoever may make the request in the first place,
 * and only to the subject that stored it; each replay leaves its own audit record.
 */
describe('idempotent replays are authorized, per subject, and audited (I3, I4)', () => {
  let h: Harness;
  let alice: string;
  let auditor: string;
  const tenant = 'tenant-replay';
  const body = { name: 'replayed', size: 'small', image: 'ubuntu-24.04', classification: 'internal' };
  const post = (token: string, key: string, payload: unknown = body) =>
    h.call('POST', '/v1/vms', { token, body: payload, headers: { 'idempotency-key': key } });
  const auditTrail = async () =>
    (await h.call('GET', '/v1/audit?limit=100', { token: auditor })).body.items as Record<string, unknown>[];
  const vmCount = async () =>
    (await h.call('GET', '/v1/vms?limit=100', { token: alice })).body.items.length as number;

  beforeAll(async () => {
    h = await startHarness();
    alice = await h.token(tenant, ['app'], 'alice');
    auditor = await h.token(tenant, ['auditor'], 'auditor');
  });
  afterAll(() => h.close());

  it('refuses a replay to the same subject once it holds no role (403), leaking nothing', async () => {
    const first = await post(alice, 'replay-roles');
    expect(first.status).toBe(202);
    const roleless = await h.token(tenant, [], 'alice');
    const replay = await post(roleless, 'replay-roles');
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe('auth.forbidden');
    expect(replay.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.text).not.toContain(first.body.vm.id);
  });

  it('refuses a replay to a subject whose role may not create (403)', async () => {
    await post(alice, 'replay-auditor');
    const asAuditor = await h.token(tenant, ['auditor'], 'alice');
    const replay = await post(asAuditor, 'replay-auditor');
    expect(replay.status).toBe(403);
    expect(replay.text).not.toContain('"vm"');
  });

  it('another subject of the tenant using the same key makes a request of its own', async () => {
    const first = await post(alice, 'shared-key');
    const before = await vmCount();
    const bob = await h.token(tenant, ['app'], 'bob');
    const own = await post(bob, 'shared-key');
    expect(own.status).toBe(202);
    expect(own.headers.get('idempotent-replayed')).toBeNull();
    expect(own.body.vm.id).not.toBe(first.body.vm.id);
    expect(await vmCount()).toBe(before + 1);
    // …and each subject's own re-send still replays its own answer.
    expect((await post(bob, 'shared-key')).body.vm.id).toBe(own.body.vm.id);
    expect((await post(alice, 'shared-key')).body.vm.id).toBe(first.body.vm.id);
  });

  it('records a replay in the audit trail, marked as such and pointing to the original request', async () => {
    const first = await post(alice, 'replay-audited');
    const original = (await auditTrail())[0]!;
    expect(original).toMatchObject({ action: 'vm.create', resource: { id: first.body.vm.id } });
    expect(original.replayOf).toBeUndefined();
    const replay = await post(alice, 'replay-audited');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const [record, ...earlier] = await auditTrail();
    expect(earlier[0]).toMatchObject({ requestId: original.requestId });
    expect(record).toMatchObject({
      action: 'vm.create',
      outcome: 'accepted',
      httpStatus: 202,
      actor: { sub: 'alice', tenant },
      resource: { type: 'vm', id: first.body.vm.id, tenant },
      operationId: first.body.operation.id,
      replayOf: original.requestId,
    });
    expect(record!.requestId).not.toBe(original.requestId);
    expect((await h.call('GET', '/v1/audit/verify', { token: auditor })).body).toMatchObject({ ok: true });
  });

  it('audits a refused replay as denied, not as a replay', async () => {
    await post(alice, 'replay-denied');
    const roleless = await h.token(tenant, [], 'alice');
    await post(roleless, 'replay-denied');
    const [record] = await auditTrail();
    expect(record).toMatchObject({ outcome: 'denied', httpStatus: 403, errorCode: 'auth.forbidden' });
    expect(record!.replayOf).toBeUndefined();
  });
});
