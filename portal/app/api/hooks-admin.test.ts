import { renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeBroker } from '../../test/fake-broker.ts';
import {
  dailyWindows,
  useOperations,
  usePolicyBundle,
  useQuotas,
  useUpdateQuotas,
  useUsage,
  useUsageSeries,
} from './hooks.ts';

const amount = { limit: 10, used: 1, reserved: 0 };
const site = Object.fromEntries(
  ['instances', 'vcpus', 'ramMiB', 'volumes', 'volumeGiB', 'snapshots', 'buckets'].map((k) => [k, amount]),
);
const quotas = (limit: number) => ({
  tenant: 'ward-1',
  onprem: { ...site, instances: { ...amount, limit } },
  public: site,
});
const report = (vcpuHours: number) => ({
  from: 'x',
  to: 'y',
  groupBy: 'site',
  groups: [],
  total: { vcpuHours, ramGiBHours: 0, volumeGiBHours: 0, instanceHours: 0, objectGiBHours: 0 },
});

describe('portal data hooks for operations, quotas, usage and policies', () => {
  it('lists operations with the filters and the cursor as query parameters', async () => {
    const broker = fakeBroker({
      'GET /v1/operations': { status: 200, body: { items: [], nextCursor: 'c2' } },
    });
    const { result } = renderHook(() => useOperations({ status: 'failed', kind: 'vm.create' }, 'c1'), {
      wrapper: broker.wrapper,
    });
    await waitFor(() => expect(result.current.data?.nextCursor).toBe('c2'));
    const query = new URLSearchParams(broker.seen[0]!.path.split('?')[1]);
    expect(Object.fromEntries(query)).toEqual({
      limit: '25',
      status: 'failed',
      kind: 'vm.create',
      cursor: 'c1',
    });
  });

  it('puts a quota patch to the tenant with an idempotency key, and shows the answer without a refetch', async () => {
    const broker = fakeBroker({
      'GET /v1/quotas': { status: 200, body: quotas(10) },
      'PUT /v1/quotas/ward-1': { status: 200, body: quotas(7) },
    });
    const { result } = renderHook(() => ({ read: useQuotas(), write: useUpdateQuotas() }), {
      wrapper: broker.wrapper,
    });
    await waitFor(() => expect(result.current.read.data?.onprem.instances.limit).toBe(10));
    result.current.write.mutate({ tenant: 'ward-1', patch: { onprem: { instances: 7 } } });
    await waitFor(() => expect(result.current.read.data?.onprem.instances.limit).toBe(7));
    const put = broker.seen.find((s) => s.method === 'PUT')!;
    expect(JSON.parse(put.body)).toEqual({ onprem: { instances: 7 } });
    expect(put.headers.get('idempotency-key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(broker.seen.filter((s) => s.method === 'GET')).toHaveLength(1);
  });

  it('splits the last days into contiguous UTC windows ending with today', () => {
    const windows = dailyWindows(3, new Date('2026-12-03T17:00:00Z'));
    expect(windows).toEqual([
      { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' },
      { from: '2026-12-02T00:00:00.000Z', to: '2026-12-03T00:00:00.000Z' },
      { from: '2026-12-03T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' },
    ]);
  });

  it('asks usage once per day for the chart, and by group for the table', async () => {
    let n = 0;
    const broker = fakeBroker({ 'GET /v1/usage': () => ({ status: 200, body: report(++n) }) });
    const { result } = renderHook(
      () => ({
        series: useUsageSeries(7),
        table: useUsage({
          groupBy: 'classification',
          from: '2026-12-01T00:00:00Z',
          to: '2026-12-02T00:00:00Z',
        }),
      }),
      { wrapper: broker.wrapper },
    );
    await waitFor(() =>
      expect(result.current.series.isPending || result.current.table.isPending).toBe(false),
    );
    expect(result.current.series.days).toHaveLength(7);
    expect(result.current.series.days.every((d) => typeof d.total?.vcpuHours === 'number')).toBe(true);
    const paths = broker.seen.map((s) => new URLSearchParams(s.path.split('?')[1]));
    expect(paths.filter((q) => q.get('groupBy') === 'site')).toHaveLength(7);
    expect(paths.filter((q) => q.get('groupBy') === 'classification')).toHaveLength(1);
  });

  it('reads the policy bundle', async () => {
    const bundle = { hash: 'abc', files: ['placement.cedar'], policies: [] };
    const broker = fakeBroker({ 'GET /v1/policies': { status: 200, body: bundle } });
    const { result } = renderHook(() => usePolicyBundle(), { wrapper: broker.wrapper });
    await waitFor(() => expect(result.current.data).toEqual(bundle));
  });
});
