import { describe, expect, it } from 'vitest';
import type { Vm } from '../model/vm.ts';
import type { Volume } from '../model/volume.ts';
import type { CloudVolume } from '../ports/cloud/block-storage.ts';
import type { CloudServer, ServerState } from '../ports/cloud/compute.ts';
import { logicalSizeOf, serverDrift, volumeDrift } from './drift.ts';

const sizes = { small: 'm1.small', medium: 'm1.medium' };
const vm = (status: Vm['status'], size = 'small'): Vm => ({
  id: 'vm-1',
  tenant: 't',
  name: 'n',
  size,
  image: 'ubuntu-24.04',
  classification: 'phi',
  tags: {},
  status,
  cloudId: 's-1',
  addresses: [],
  operationId: 'op-1',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});
const server = (state: ServerState, sizeRef = 'm1.small'): CloudServer => ({
  id: 's-1',
  name: 'n',
  state,
  rawState: state,
  sizeRef,
  addresses: [],
});

describe('serverDrift', () => {
  it.each([
    ['active', 'stopped', { kind: 'status', from: 'active', to: 'stopped' }],
    ['stopped', 'active', { kind: 'status', from: 'stopped', to: 'active' }],
    ['active', 'paused', { kind: 'status', from: 'active', to: 'paused' }],
    ['paused', 'active', { kind: 'status', from: 'paused', to: 'active' }],
    ['active', 'error', { kind: 'status', from: 'active', to: 'error' }],
    ['error', 'active', { kind: 'status', from: 'error', to: 'active' }],
    ['active', 'deleted', { kind: 'missing', from: 'active', to: 'error' }],
    ['stopped', 'deleted', { kind: 'missing', from: 'stopped', to: 'error' }],
  ] as const)('a %s VM whose server is %s drifted', (status, state, drift) => {
    expect(serverDrift(vm(status), server(state), sizes)).toEqual(drift);
  });

  it.each(['building', 'rebooting', 'resizing', 'verifyResize', 'migrating', 'deleting', 'unknown'] as const)(
    'a server %s (work in progress) is no drift yet',
    (state) => {
      expect(serverDrift(vm('active'), server(state), sizes)).toBeUndefined();
    },
  );

  it.each(['pending', 'building', 'resizing', 'deleting', 'deleted'] as const)(
    'a %s VM (the broker is moving it) is never compared',
    (status) => {
      expect(serverDrift(vm(status), server('stopped'), sizes)).toBeUndefined();
    },
  );

  it('a VM already in error whose server is gone stays as it is (no event every pass)', () => {
    expect(serverDrift(vm('error'), server('deleted'), sizes)).toBeUndefined();
  });

  it('a resize behind the broker is drift to the logical size; a flavor outside the catalogue is not', () => {
    expect(serverDrift(vm('active'), server('active', 'm1.medium'), sizes)).toEqual({
      kind: 'size',
      from: 'small',
      to: 'medium',
    });
    expect(serverDrift(vm('active'), server('active', 'custom.huge'), sizes)).toBeUndefined();
    expect(serverDrift(vm('active'), server('active'), sizes)).toBeUndefined();
    expect(logicalSizeOf(sizes, 'm1.medium')).toBe('medium');
  });
});

describe('volumeDrift', () => {
  const volume = (status: Volume['status']): Volume => ({
    id: 'vol-1',
    tenant: 't',
    name: 'd',
    sizeGiB: 1,
    classification: 'phi',
    tags: {},
    status,
    cloudId: 'v-1',
    operationId: 'op',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  });
  const cloud = (state: CloudVolume['state'], attached = false): CloudVolume => ({
    id: 'v-1',
    name: 'd',
    sizeGiB: 1,
    state,
    rawState: state,
    attachments: attached ? [{ serverId: 's-1' }] : [],
  });

  it('finds a detach, a break and a disappearance behind the broker, nothing else', () => {
    expect(volumeDrift(volume('in-use'), cloud('available'))).toEqual({
      kind: 'detached',
      from: 'in-use',
      to: 'available',
    });
    expect(volumeDrift(volume('available'), cloud('error'))).toEqual({
      kind: 'status',
      from: 'available',
      to: 'error',
    });
    expect(volumeDrift(volume('in-use'), cloud('deleted'))).toEqual({
      kind: 'missing',
      from: 'in-use',
      to: 'error',
    });
    expect(volumeDrift(volume('in-use'), cloud('inUse', true))).toBeUndefined();
    expect(volumeDrift(volume('in-use'), cloud('detaching', true))).toBeUndefined();
    expect(volumeDrift(volume('attaching'), cloud('available'))).toBeUndefined();
    expect(volumeDrift(volume('error'), cloud('deleted'))).toBeUndefined();
  });
});
