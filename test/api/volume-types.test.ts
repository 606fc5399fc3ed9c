import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxProvider } from '../../connectors/sandbox/sandbox-provider.ts';
import { FAST_TARGETS, type Harness, startHarness } from '../support/broker-harness.ts';

/**
 * The fast catalogue with two changes: on-prem South maps only `standard`, and a third logical type,
 * `archive`, is offered by public West alone (a target that is not HIPAA-eligible).
 */
function catalogue(): string {
  let text = readFileSync(FAST_TARGETS, 'utf8').replace(
    '  ssd: { description:',
    '  archive: { description: cold storage }\n  ssd: { description:',
  );
  const mapping = '    volumeTypes: { standard: sb-standard, ssd: sb-ssd }\n';
  const section = (id: string) => text.indexOf(mapping, text.indexOf(`  - id: ${id}\n`));
  const south = section('sandbox-onprem-south');
  text = `${text.slice(0, south)}    volumeTypes: { standard: sb-standard }\n${text.slice(south + mapping.length)}`;
  const west = section('sandbox-public-west');
  text = `${text.slice(0, west)}    volumeTypes: { standard: sb-standard, archive: sb-cold }\n${text.slice(west + mapping.length)}`;
  const file = join(mkdtempSync(join(tmpdir(), 'hcb-voltypes-')), 'targets.yaml');
  writeFileSync(file, text);
  return file;
}

/** Volume types on the sandbox: the catalogue's names, placement by type, and retype on one target only. */
describe('volume types and retype over the API', () => {
  let h: Harness;
  let app: string;

  beforeAll(async () => {
    h = await startHarness({ targetsFile: catalogue() });
    app = await h.token('vol-types', ['app']);
  });
  afterAll(() => h.close());

  const settle = async (reply: { status: number; text: string; body: { operation: { id: string } } }) => {
    expect(reply.status, reply.text).toBe(202);
    return h.settle(app, reply.body.operation.id);
  };
  const createVolume = async (body: Record<string, unknown>) => {
    const reply = await h.call('POST', '/v1/volumes', { token: app, body: { sizeGiB: 1, ...body } });
    expect((await settle(reply)).status).toBe('succeeded');
    return (await h.call('GET', `/v1/volumes/${reply.body.volume.id}`, { token: app })).body;
  };
  const cloudType = async (volume: { id: string; placement: { targetId: string } }) =>
    (await h.broker.providers.get(volume.placement.targetId).blockStorage.findVolumeByBrokerId(volume.id))
      ?.volumeType;
  const count = async () => (await h.call('GET', '/v1/volumes?limit=100', { token: app })).body.items.length;

  it('lists each logical type and what every target maps it to', async () => {
    const reply = await h.call('GET', '/v1/volume-types', { token: app });
    expect(reply.status, reply.text).toBe(200);
    const byName = Object.fromEntries(
      (reply.body.items as { name: string; targets: { targetId: string; volumeType: string }[] }[]).map(
        (t) => [t.name, Object.fromEntries(t.targets.map((x) => [x.targetId, x.volumeType]))],
      ),
    );
    expect(Object.keys(byName)).toEqual(['archive', 'ssd', 'standard']);
    expect(byName.archive).toEqual({ 'sandbox-public-west': 'sb-cold' });
    expect(byName.ssd).toEqual({
      'sandbox-onprem-north': 'sb-ssd',
      'sandbox-public-east': 'sb-ssd',
    });
    expect(Object.keys(byName.standard!)).toHaveLength(4);
  });

  it('creates a volume of a type, standard by default, only where the type is offered', async () => {
    const plain = await createVolume({ name: 'plain', classification: 'phi', region: 'north' });
    expect(plain.type).toBe('standard');
    expect(await cloudType(plain)).toBe('sb-standard');
    // South offers no ssd: it is no candidate for an ssd volume at all, so asking for its region places none.
    const inSouth = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'fast', sizeGiB: 1, classification: 'phi', region: 'south', type: 'ssd' },
    });
    expect(inSouth.status, inSouth.text).toBe(403);
    const candidates = (inSouth.body.details.candidates as { targetId: string }[]).map((c) => c.targetId);
    expect(candidates).toEqual(['sandbox-onprem-north', 'sandbox-public-east']);
    const fast = await createVolume({ name: 'fast', classification: 'phi', type: 'ssd' });
    expect(fast).toMatchObject({ type: 'ssd', placement: { targetId: 'sandbox-onprem-north' } });
    expect(await cloudType(fast)).toBe('sb-ssd');
    const cold = await createVolume({ name: 'cold', classification: 'internal', type: 'archive' });
    expect(cold).toMatchObject({ type: 'archive', placement: { targetId: 'sandbox-public-west' } });
    expect(await cloudType(cold)).toBe('sb-cold');
  });

  it('refuses an unknown type (400 naming the valid ones) and a type only a forbidden target offers', async () => {
    const before = await count();
    const unknown = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'x', sizeGiB: 1, classification: 'internal', type: 'nvme' },
    });
    expect(unknown.status, unknown.text).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'body.type', message: 'unknown volume type; one of archive, ssd, standard' },
    ]);
    const phiCold = await h.call('POST', '/v1/volumes', {
      token: app,
      body: { name: 'x', sizeGiB: 1, classification: 'phi', type: 'archive' },
    });
    expect(phiCold.status, phiCold.text).toBe(403);
    expect(phiCold.body.code).toBe('placement.noPermittedTarget');
    expect(await count()).toBe(before);
  });

  it('retypes an attached phi volume in place, and back once detached', async () => {
    const vm = await h.call('POST', '/v1/vms', {
      token: app,
      body: { name: 'host', size: 'small', image: 'ubuntu-24.04', classification: 'phi', region: 'north' },
    });
    expect((await settle(vm)).status).toBe('succeeded');
    const volume = await createVolume({ name: 'charts', classification: 'phi', region: 'north' });
    const attach = h.call('POST', `/v1/volumes/${volume.id}/attach`, {
      token: app,
      body: { vmId: vm.body.vm.id },
    });
    expect((await settle(await attach)).status).toBe('succeeded');

    const retype = await h.call('POST', `/v1/volumes/${volume.id}/retype`, {
      token: app,
      body: { type: 'ssd', targetId: 'sandbox-onprem-north' },
    });
    expect(retype.body.volume).toMatchObject({ status: 'in-use', task: 'retyping', type: 'standard' });
    const op = await settle(retype);
    expect(op).toMatchObject({ kind: 'volume.retype', status: 'succeeded', result: { type: 'ssd' } });
    const retyped = (await h.call('GET', `/v1/volumes/${volume.id}`, { token: app })).body;
    expect(retyped).toMatchObject({ type: 'ssd', status: 'in-use', attachment: { vmId: vm.body.vm.id } });
    expect(retyped.task).toBeUndefined();
    expect(retyped.placement).toEqual(volume.placement);
    expect(await cloudType(retyped)).toBe('sb-ssd');

    expect(
      (await settle(await h.call('POST', `/v1/volumes/${volume.id}/detach`, { token: app }))).status,
    ).toBe('succeeded');
    const back = await h.call('POST', `/v1/volumes/${volume.id}/retype`, {
      token: app,
      body: { type: 'standard' },
    });
    expect((await settle(back)).status).toBe('succeeded');
    const standard = (await h.call('GET', `/v1/volumes/${volume.id}`, { token: app })).body;
    expect(standard).toMatchObject({ type: 'standard', status: 'available' });
    expect(await cloudType(standard)).toBe('sb-standard');
  });

  it('refuses a retype that would leave the target, one the target cannot do, or one to the same type', async () => {
    const phi = await createVolume({ name: 'phi-vol', classification: 'phi', region: 'north' });
    const pii = await createVolume({ name: 'pii-vol', classification: 'pii', region: 'north' });
    const retype = (id: string, body: Record<string, unknown>) =>
      h.call('POST', `/v1/volumes/${id}/retype`, { token: app, body });

    // Across sites, phi: Cedar forbids the move, naming the policy.
    const toPublic = await retype(phi.id, { type: 'ssd', targetId: 'sandbox-public-east' });
    expect(toPublic.status, toPublic.text).toBe(403);
    expect(toPublic.body).toMatchObject({
      code: 'retype.denied',
      details: { policies: ['flow.phi-copy-onprem-only'] },
    });
    // Where policy would permit the move (phi on-prem to on-prem, pii to public), a retype still never moves.
    for (const [volume, targetId] of [
      [phi, 'sandbox-onprem-south'],
      [pii, 'sandbox-public-east'],
    ] as const) {
      const moved = await retype(volume.id, { type: 'ssd', targetId });
      expect(moved.status, moved.text).toBe(409);
      expect(moved.body).toMatchObject({
        code: 'volume.targetMismatch',
        details: { targetId: 'sandbox-onprem-north', requestedTargetId: targetId },
      });
    }
    const notOffered = await retype(phi.id, { type: 'archive' });
    expect(notOffered.status, notOffered.text).toBe(422);
    expect(notOffered.body).toMatchObject({
      code: 'retype.unsupported',
      details: { targetId: 'sandbox-onprem-north', offered: ['ssd', 'standard'] },
    });
    const unknown = await retype(phi.id, { type: 'nvme' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('body.type');
    const same = await retype(phi.id, { type: 'standard' });
    expect(same.status).toBe(400);
    const noSuchTarget = await retype(phi.id, { type: 'ssd', targetId: 'sandbox-nowhere' });
    expect(noSuchTarget.status).toBe(400);

    // Only the tenant's app and admin retype.
    const auditor = await h.token('vol-types', ['auditor']);
    expect(
      (await h.call('POST', `/v1/volumes/${phi.id}/retype`, { token: auditor, body: { type: 'ssd' } }))
        .status,
    ).toBe(403);
    const stranger = await h.token('vol-types-other', ['app']);
    expect(
      (await h.call('POST', `/v1/volumes/${phi.id}/retype`, { token: stranger, body: { type: 'ssd' } }))
        .status,
    ).toBe(404);

    // Nothing changed.
    for (const volume of [phi, pii]) {
      const now = (await h.call('GET', `/v1/volumes/${volume.id}`, { token: app })).body;
      expect(now).toMatchObject({ type: 'standard', status: 'available', operationId: volume.operationId });
      expect(await cloudType(now)).toBe('sb-standard');
    }
  });

  it('replays a retype sent again with its Idempotency-Key, starting it once', async () => {
    const volume = await createVolume({ name: 'keyed', classification: 'internal', region: 'north' });
    const send = () =>
      h.call('POST', `/v1/volumes/${volume.id}/retype`, {
        token: app,
        body: { type: 'ssd' },
        headers: { 'idempotency-key': `retype-${volume.id}` },
      });
    const first = await send();
    const again = await send();
    expect(again.status, again.text).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.operation.id).toBe(first.body.operation.id);
    expect((await settle(first)).status).toBe('succeeded');
    const replayedLater = await send();
    expect(replayedLater.body.operation.id).toBe(first.body.operation.id);
    expect((await h.call('GET', `/v1/volumes/${volume.id}`, { token: app })).body.type).toBe('ssd');
  });

  it('a cloud refusal fails the operation and keeps the type', async () => {
    const volume = await createVolume({ name: 'refused', classification: 'internal', region: 'north' });
    const provider = h.broker.providers.get(volume.placement.targetId) as SandboxProvider;
    provider.faults.set({ rules: [{ type: 'fail', method: 'retypeVolume', kind: 'capacity', count: 20 }] });
    try {
      const refused = await h.call('POST', `/v1/volumes/${volume.id}/retype`, {
        token: app,
        body: { type: 'ssd' },
      });
      expect((await settle(refused)).status).toBe('failed');
    } finally {
      provider.faults.clear();
    }
    const kept = (await h.call('GET', `/v1/volumes/${volume.id}`, { token: app })).body;
    expect(kept).toMatchObject({ type: 'standard', status: 'available' });
    expect(kept.task).toBeUndefined();
    expect(await cloudType(kept)).toBe('sb-standard');
  });
});
