import { renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeBroker } from '../../test/fake-broker.ts';
import { sessionStore } from '../auth/session.ts';
import { ApiProblem } from './client.ts';
import {
  useCreateVm,
  useOperation,
  usePlacementPreview,
  useTargets,
  useVmAction,
  useVms,
  useVolumeAttachment,
} from './hooks.ts';

const target = {
  id: 'sandbox-onprem-north',
  cloud: 'sandbox',
  region: 'north',
  site: 'onprem',
  description: 'DC North',
  simulation: true,
  kinds: ['vm'],
  attributes: {},
  sizes: ['small'],
  images: ['ubuntu-24.04'],
  health: { status: 'healthy', checkedAt: '2026-01-01T00:00:00Z' },
  circuit: 'closed',
};

const operation = (status: string) => ({
  id: 'op-1',
  kind: 'vm.create',
  resource: { type: 'vm', id: 'vm-1' },
  status,
  steps: [],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

afterEach(() => sessionStore.set(undefined));

describe('portal data hooks', () => {
  it('reads targets with the signed-in token', async () => {
    sessionStore.set({ token: 'tok-123', tenant: 't', roles: ['admin'], subject: 's', via: 'development' });
    const broker = fakeBroker({ 'GET /v1/targets': { status: 200, body: { items: [target] } } });
    const { result } = renderHook(() => useTargets(), { wrapper: broker.wrapper });
    await waitFor(() => expect(result.current.data).toHaveLength(1));
    expect(result.current.data?.[0]?.id).toBe('sandbox-onprem-north');
    expect(broker.seen[0]?.headers.get('authorization')).toBe('Bearer tok-123');
  });

  it('passes list filters as query parameters', async () => {
    const broker = fakeBroker({ 'GET /v1/vms': { status: 200, body: { items: [] } } });
    const { result } = renderHook(() => useVms({ classification: 'phi' }), { wrapper: broker.wrapper });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(broker.seen[0]?.path).toContain('classification=phi');
  });

  it('throws the API problem with its detail and field errors', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'invalid request: body.name: too short',
      code: 'request.invalid',
      errors: [{ field: 'body.name', message: 'too short' }],
    };
    const broker = fakeBroker({
      'POST /v1/vms': { status: 400, body: problem, type: 'application/problem+json' },
    });
    const { result } = renderHook(() => useCreateVm(), { wrapper: broker.wrapper });
    result.current.mutate({ name: '', size: 'small', image: 'ubuntu-24.04', classification: 'phi' });
    await waitFor(() => expect(result.current.isError).toBe(true));
    const error = result.current.error;
    expect(error).toBeInstanceOf(ApiProblem);
    expect((error as ApiProblem).problem.detail).toBe(problem.detail);
    expect((error as ApiProblem).fieldErrors()).toEqual({ name: 'too short' });
    expect(broker.seen[0]?.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns a failure without a problem body into a problem too', async () => {
    const broker = fakeBroker({ 'GET /v1/targets': { status: 502, body: 'gateway', type: 'text/plain' } });
    const { result } = renderHook(() => useTargets(), { wrapper: broker.wrapper });
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect((result.current.error as ApiProblem).problem.status).toBe(502);
  });

  it('polls an operation until it finished, then stops', async () => {
    const states = ['pending', 'running', 'succeeded'];
    let calls = 0;
    const broker = fakeBroker({
      'GET /v1/operations/op-1': () => ({ status: 200, body: operation(states[Math.min(calls++, 2)]!) }),
    });
    const { result } = renderHook(() => useOperation('op-1'), { wrapper: broker.wrapper });
    await waitFor(() => expect(result.current.data?.status).toBe('succeeded'), { timeout: 5000 });
    const after = calls;
    await new Promise((r) => setTimeout(r, 1200));
    expect(calls).toBe(after);
    expect(after).toBe(3);
  });

  it('asks for no preview until the request is complete, then simulates it', async () => {
    const decision = { candidates: [], bundleHash: 'h', engine: 'cedar', decidedAt: '2026-01-01T00:00:00Z' };
    const broker = fakeBroker({ 'POST /v1/placements/simulate': { status: 200, body: { decision } } });
    const { result, rerender } = renderHook(
      ({ input }: { input?: Parameters<typeof usePlacementPreview>[0] }) => usePlacementPreview(input),
      { wrapper: broker.wrapper, initialProps: {} },
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(broker.seen).toHaveLength(0);
    rerender({ input: { kind: 'vm', classification: 'phi', size: 'small' } });
    await waitFor(() => expect(result.current.data?.bundleHash).toBe('h'));
    expect(JSON.parse(broker.seen[0]!.body)).toEqual({ kind: 'vm', classification: 'phi', size: 'small' });
  });

  it('refreshes the VM list after an action', async () => {
    let lists = 0;
    const broker = fakeBroker({
      'GET /v1/vms': () => ({ status: 200, body: { items: [], n: ++lists } }),
      'POST /v1/vms/vm-1/actions': { status: 202, body: { vm: {}, operation: operation('pending') } },
    });
    const { result } = renderHook(() => ({ vms: useVms(), act: useVmAction() }), { wrapper: broker.wrapper });
    await waitFor(() => expect(result.current.vms.isSuccess).toBe(true));
    result.current.act.mutate({ id: 'vm-1', action: { type: 'stop' } });
    await waitFor(() => expect(lists).toBe(2));
    expect(JSON.parse(broker.seen.find((s) => s.method === 'POST')!.body)).toEqual({ type: 'stop' });
  });

  it('attaches with the VM id and detaches with no body', async () => {
    const accepted = { status: 202, body: { volume: {}, operation: operation('pending') } };
    const broker = fakeBroker({
      'POST /v1/volumes/vol-1/attach': accepted,
      'POST /v1/volumes/vol-1/detach': accepted,
    });
    const { result } = renderHook(() => useVolumeAttachment(), { wrapper: broker.wrapper });
    result.current.mutate({ id: 'vol-1', vmId: 'vm-1' });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    result.current.mutate({ id: 'vol-1' });
    await waitFor(() => expect(broker.seen).toHaveLength(2));
    expect(broker.seen.map((s) => [s.path, s.body])).toEqual([
      ['/v1/volumes/vol-1/attach', JSON.stringify({ vmId: 'vm-1' })],
      ['/v1/volumes/vol-1/detach', ''],
    ]);
  });
});
