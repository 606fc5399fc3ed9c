import { expect } from 'vitest';
import type { Harness, Reply } from './broker-harness.ts';

/** The lifecycle steps the fault matrix drives, each named `kind:step` after the operation's own step. */
export type Step =
  | 'vm.create:provision'
  | 'vm.create:awaitActive'
  | 'vm.delete:deleteServer'
  | 'vm.delete:awaitGone'
  | 'vm.stop:request'
  | 'vm.snapshot:request'
  | 'volume.create:provision'
  | 'volume.attach:attach'
  | 'snapshot.create:createSnapshot';

export interface Subject {
  vmId?: string;
  volumeId?: string;
}

/** Per step: the sandbox call the fault hits, what exists beforehand, and the API call that starts it. */
export interface StepSpec {
  method: string;
  /** What the operation creates in the cloud (counted by broker id), if anything. */
  creates?: 'server' | 'volume' | 'snapshot' | 'image';
  /** Set for creates that go through placement: the kind placed. */
  places?: 'vm' | 'volume';
  prepare(): Promise<Subject>;
  start(subject: Subject): Promise<Reply>;
  /** After success: the state the resource must be in. */
  verify(subject: Subject, op: Operation): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: operations are inspected field by field
export type Operation = any;

/**
 * How the fault matrix drives each step over the API of a harness, as tenant `app`: what each step needs
 * beforehand, the call that starts it, and what success looks like. Every resource is phi.
 */
export function faultMatrixSteps(h: Harness, app: string) {
  const get = async (path: string) => (await h.call('GET', path, { token: app })).body;
  const settled = async (reply: Reply) => {
    expect(reply.status, reply.text).toBe(202);
    return h.settle(app, reply.body.operation.id, 30_000);
  };
  const ready = async (reply: Reply) => {
    const op = await settled(reply);
    expect(op.status, JSON.stringify(op.error)).toBe('succeeded');
    return reply;
  };
  const newVm = async () =>
    (
      await ready(
        await h.call('POST', '/v1/vms', {
          token: app,
          body: { name: 'fault-vm', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
        }),
      )
    ).body.vm.id as string;
  const newVolume = async (region?: string) =>
    (
      await ready(
        await h.call('POST', '/v1/volumes', {
          token: app,
          body: { name: 'fault-disk', sizeGiB: 1, classification: 'phi', ...(region ? { region } : {}) },
        }),
      )
    ).body.volume.id as string;

  const STEPS: Record<Step, StepSpec> = {
    'vm.create:provision': {
      method: 'createServer',
      creates: 'server',
      places: 'vm',
      prepare: async () => ({}),
      start: () =>
        h.call('POST', '/v1/vms', {
          token: app,
          body: { name: 'fault-new', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
        }),
      verify: async (_, op) => expect((await get(`/v1/vms/${op.resource.id}`)).status).toBe('active'),
    },
    'vm.create:awaitActive': {
      method: 'getServer',
      creates: 'server',
      places: 'vm',
      prepare: async () => ({}),
      start: () =>
        h.call('POST', '/v1/vms', {
          token: app,
          body: { name: 'fault-new', size: 'small', image: 'ubuntu-24.04', classification: 'phi' },
        }),
      verify: async (_, op) => expect((await get(`/v1/vms/${op.resource.id}`)).status).toBe('active'),
    },
    'vm.delete:deleteServer': {
      method: 'deleteServer',
      prepare: async () => ({ vmId: await newVm() }),
      start: (s) => h.call('DELETE', `/v1/vms/${s.vmId}`, { token: app }),
      verify: async (s) => {
        expect((await get(`/v1/vms/${s.vmId}`)).status).toBe('deleted');
        expect(await cloudCount('server', s.vmId!)).toBe(0);
      },
    },
    'vm.delete:awaitGone': {
      method: 'getServer',
      prepare: async () => ({ vmId: await newVm() }),
      start: (s) => h.call('DELETE', `/v1/vms/${s.vmId}`, { token: app }),
      verify: async (s) => {
        expect((await get(`/v1/vms/${s.vmId}`)).status).toBe('deleted');
        expect(await cloudCount('server', s.vmId!)).toBe(0);
      },
    },
    'vm.stop:request': {
      method: 'stopServer',
      prepare: async () => ({ vmId: await newVm() }),
      start: (s) => h.call('POST', `/v1/vms/${s.vmId}/actions`, { token: app, body: { type: 'stop' } }),
      verify: async (s) => expect((await get(`/v1/vms/${s.vmId}`)).status).toBe('stopped'),
    },
    'vm.snapshot:request': {
      method: 'createServerImage',
      creates: 'image',
      prepare: async () => ({ vmId: await newVm() }),
      start: (s) =>
        h.call('POST', `/v1/vms/${s.vmId}/actions`, {
          token: app,
          body: { type: 'snapshot', name: 'fault-image' },
        }),
      verify: async (_, op) =>
        expect((await get(`/v1/images/${op.result.imageId}`)).status).toBe('available'),
    },
    'volume.create:provision': {
      method: 'createVolume',
      creates: 'volume',
      places: 'volume',
      prepare: async () => ({}),
      start: () =>
        h.call('POST', '/v1/volumes', {
          token: app,
          body: { name: 'fault-new-disk', sizeGiB: 1, classification: 'phi' },
        }),
      verify: async (_, op) => expect((await get(`/v1/volumes/${op.resource.id}`)).status).toBe('available'),
    },
    'volume.attach:attach': {
      method: 'attachVolume',
      prepare: async () => {
        const vmId = await newVm();
        return { vmId, volumeId: await newVolume((await get(`/v1/vms/${vmId}`)).placement.region) };
      },
      start: (s) =>
        h.call('POST', `/v1/volumes/${s.volumeId}/attach`, { token: app, body: { vmId: s.vmId } }),
      verify: async (s) => expect((await get(`/v1/volumes/${s.volumeId}`)).status).toBe('in-use'),
    },
    'snapshot.create:createSnapshot': {
      method: 'createSnapshot',
      creates: 'snapshot',
      prepare: async () => ({ volumeId: await newVolume() }),
      start: (s) =>
        h.call('POST', `/v1/volumes/${s.volumeId}/snapshots`, { token: app, body: { name: 'fault-snap' } }),
      verify: async (_, op) =>
        expect((await get(`/v1/snapshots/${op.resource.id}`)).status).toBe('available'),
    },
  };

  /** Live cloud resources carrying `brokerId`, on every target (the sandbox's own record). */
  const cloudCount = async (kind: NonNullable<StepSpec['creates']>, brokerId: string, on?: string) => {
    let count = 0;
    for (const p of h.broker.providers.all()) {
      if (on && p.target.id !== on) continue;
      if (kind === 'server') {
        for await (const s of p.compute.listServers()) if (s.brokerId === brokerId) count++;
      } else if (kind === 'volume') {
        for await (const v of p.blockStorage!.listVolumes()) if (v.brokerId === brokerId) count++;
      } else if (kind === 'snapshot') {
        if (await p.blockStorage!.findSnapshotByBrokerId(brokerId)) count++;
      } else if (await p.images.findImageByBrokerId?.(brokerId)) count++;
    }
    return count;
  };

  /** The target a row's faults go to, and the one its create may fall back to. */
  const targetsOf = async (spec: StepSpec, subject: Subject) => {
    if (spec.places) {
      const simulated = await h.call('POST', '/v1/placements/simulate', {
        token: app,
        body: { kind: spec.places, classification: 'phi' },
      });
      expect(simulated.status, simulated.text).toBe(200);
      const permitted: { targetId: string; permitted: boolean; rank: number }[] =
        simulated.body.decision.candidates.filter((c: { permitted: boolean }) => c.permitted);
      const [first, next] = permitted.sort((a, b) => a.rank - b.rank).map((c) => c.targetId);
      expect(first).toBe(simulated.body.decision.chosen.targetId);
      return { target: first!, fallback: next };
    }
    const path = subject.vmId ? `/v1/vms/${subject.vmId}` : `/v1/volumes/${subject.volumeId}`;
    return { target: (await get(path)).placement.targetId as string, fallback: undefined };
  };

  return { STEPS, cloudCount, targetsOf, settled, get };
}
