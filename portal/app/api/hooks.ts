import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { type Schemas, unwrap } from './client.ts';
import { useApi } from './context.ts';
import { isLive } from './event-stream.ts';

export type VmFilters = { status?: Schemas['Vm']['status']; classification?: Schemas['Classification'] };
export type AuditFilters = { action?: string; from?: string; to?: string };

const FINISHED = new Set(['succeeded', 'failed']);
/** How often live data is polled while there is no event stream to follow. */
export const POLL_MS = 1000;
/** While the event stream is followed, lists refresh on its events; a slow poll is only a safety net. */
const listPoll = (ms: number) => () => (isLive() ? 30_000 : ms);

const idempotencyKey = () => ({ 'idempotency-key': crypto.randomUUID() });

export function useTargets() {
  const api = useApi();
  return useQuery({
    queryKey: ['targets'],
    queryFn: async () => unwrap(await api.GET('/v1/targets')).items,
    refetchInterval: 10_000,
  });
}

export function useVms(filters: VmFilters = {}) {
  const api = useApi();
  return useQuery({
    queryKey: ['vms', filters],
    queryFn: async () => unwrap(await api.GET('/v1/vms', { params: { query: { limit: 100, ...filters } } })),
    refetchInterval: listPoll(POLL_MS * 2),
  });
}

export function useVolumes() {
  const api = useApi();
  return useQuery({
    queryKey: ['volumes'],
    queryFn: async () => unwrap(await api.GET('/v1/volumes', { params: { query: { limit: 100 } } })),
    refetchInterval: listPoll(POLL_MS * 2),
  });
}

export function useBuckets() {
  const api = useApi();
  return useQuery({
    queryKey: ['buckets'],
    queryFn: async () => unwrap(await api.GET('/v1/buckets', { params: { query: { limit: 100 } } })),
  });
}

/** One operation, polled until it succeeded or failed. */
export function useOperation(id: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ['operation', id],
    enabled: Boolean(id),
    queryFn: async () => unwrap(await api.GET('/v1/operations/{id}', { params: { path: { id: id! } } })),
    refetchInterval: (query) =>
      query.state.data && FINISHED.has(query.state.data.status) ? false : POLL_MS / 2,
  });
}

/** The placement the broker would decide for this request: every candidate, permitted or not. */
export function usePlacementPreview(input: Schemas['SimulatePlacement'] | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ['simulate', input],
    enabled: Boolean(input),
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.POST('/v1/placements/simulate', { body: input!, headers: idempotencyKey() })).decision,
  });
}

export function useCreateVm() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['CreateVm']) =>
      unwrap(await api.POST('/v1/vms', { body, headers: idempotencyKey() })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['vms'] }),
  });
}

export function useVmAction() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: Schemas['VmAction'] }) =>
      unwrap(
        await api.POST('/v1/vms/{id}/actions', {
          params: { path: { id } },
          body: action,
          headers: idempotencyKey(),
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['vms'] }),
  });
}

export function useDeleteVm() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE('/v1/vms/{id}', { params: { path: { id } }, headers: idempotencyKey() })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['vms'] }),
  });
}

export function useAudit(filters: AuditFilters, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: ['audit', filters],
    enabled,
    queryFn: async () =>
      unwrap(await api.GET('/v1/audit', { params: { query: { limit: 100, ...filters } } })),
  });
}

/** Verifies the tenant's audit chain on demand (it reads the whole chain: not polled). */
export function useAuditVerify() {
  const api = useApi();
  return useMutation({ mutationFn: async () => unwrap(await api.GET('/v1/audit/verify')) });
}

export function useCreateVolume() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['CreateVolume']) =>
      unwrap(await api.POST('/v1/volumes', { body, headers: idempotencyKey() })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['volumes'] }),
  });
}

/** Attaches a volume to a VM (`vmId`) or, without one, detaches it. */
export function useVolumeAttachment() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, vmId }: { id: string; vmId?: string }) =>
      vmId
        ? unwrap(
            await api.POST('/v1/volumes/{id}/attach', {
              params: { path: { id } },
              body: { vmId },
              headers: idempotencyKey(),
            }),
          )
        : unwrap(
            await api.POST('/v1/volumes/{id}/detach', {
              params: { path: { id } },
              headers: idempotencyKey(),
            }),
          ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['volumes'] }),
  });
}

export type OperationFilters = {
  status?: Schemas['Operation']['status'];
  kind?: string;
  resourceId?: string;
};

/** One page of the tenant's operations, newest first; `cursor` is the previous page's `nextCursor`. */
export function useOperations(filters: OperationFilters, cursor?: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['operations', filters, cursor],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/operations', {
          params: { query: { limit: 25, ...filters, ...(cursor ? { cursor } : {}) } },
        }),
      ),
    refetchInterval: listPoll(POLL_MS * 5),
  });
}

/** The tenant's quotas per site: limit, used and reserved of every resource. */
export function useQuotas() {
  const api = useApi();
  return useQuery({
    queryKey: ['quotas'],
    queryFn: async () => unwrap(await api.GET('/v1/quotas')),
    refetchInterval: 10_000,
  });
}

export function useUpdateQuotas() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ tenant, patch }: { tenant: string; patch: Schemas['QuotaPatch'] }) =>
      unwrap(
        await api.PUT('/v1/quotas/{tenant}', {
          params: { path: { tenant } },
          body: patch,
          headers: idempotencyKey(),
        }),
      ),
    onSuccess: (quotas) => queries.setQueryData(['quotas'], quotas),
  });
}

export type UsageQuery = {
  groupBy: NonNullable<Schemas['UsageReport']['groupBy']>;
  from: string;
  to: string;
};

/** The tenant's usage over a window, per group (the API's groupBy has no `tenant` for a tenant's own). */
export function useUsage(query: UsageQuery | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ['usage', query],
    enabled: Boolean(query),
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/usage', {
          params: {
            query: { ...query!, groupBy: query!.groupBy as Exclude<UsageQuery['groupBy'], 'tenant'> },
          },
        }),
      ) as Schemas['UsageReport'],
  });
}

/** One target with its cloud's capacity and the tenant's quota on its site. */
export function useTargetDetail(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: ['target', id],
    queryFn: async () => unwrap(await api.GET('/v1/targets/{id}', { params: { path: { id } } })),
    refetchInterval: 30_000,
  });
}

/** UTC day starts: the last `days` days ending with today, oldest first, as [from, to) windows. */
export function dailyWindows(days: number, now = new Date()): { from: string; to: string }[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const DAY = 86_400_000;
  return Array.from({ length: days }, (_, i) => {
    const start = today - (days - 1 - i) * DAY;
    return { from: new Date(start).toISOString(), to: new Date(start + DAY).toISOString() };
  });
}

/** Usage over time: one total per UTC day (the API reports a window; a day is one window). */
export function useUsageSeries(days: number) {
  const api = useApi();
  const windows = dailyWindows(days);
  return useQueries({
    queries: windows.map((w) => ({
      queryKey: ['usage', 'day', w.from],
      // JSON (the default answer); the CSV alternative is for downloads.
      queryFn: async () =>
        unwrap(
          await api.GET('/v1/usage', { params: { query: { ...w, groupBy: 'site' as const } } }),
        ) as Schemas['UsageReport'],
      staleTime: 60_000,
    })),
    combine: (results) => ({
      isPending: results.some((r) => r.isPending),
      error: results.find((r) => r.error)?.error ?? null,
      days: windows.map((w, i) => ({ day: w.from.slice(0, 10), total: results[i]?.data?.total })),
      currency: results.find((r) => r.data?.currency)?.data?.currency,
    }),
  });
}

export function useCreateBucket() {
  const api = useApi();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: Schemas['CreateBucket']) =>
      unwrap(await api.POST('/v1/buckets', { body, headers: idempotencyKey() })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['buckets'] }),
  });
}

/** A short-lived link to put or get one object; the key stays in component state, never in the URL. */
export function usePresign() {
  const api = useApi();
  return useMutation({
    mutationFn: async ({ id, request }: { id: string; request: Schemas['PresignRequest'] }) =>
      unwrap(
        await api.POST('/v1/buckets/{id}/presign', {
          params: { path: { id } },
          body: request,
          headers: idempotencyKey(),
        }),
      ),
  });
}

/** The snapshots of every listed volume (the API lists them per volume). */
export function useSnapshots(volumeIds: string[]) {
  const api = useApi();
  return useQueries({
    queries: volumeIds.map((id) => ({
      queryKey: ['snapshots', id],
      queryFn: async () =>
        unwrap(
          await api.GET('/v1/volumes/{id}/snapshots', { params: { path: { id }, query: { limit: 100 } } }),
        ).items,
      refetchInterval: listPoll(POLL_MS * 5),
    })),
    combine: (results) => ({
      isPending: results.some((r) => r.isPending),
      error: results.find((r) => r.error)?.error ?? null,
      items: results.flatMap((r) => r.data ?? []),
    }),
  });
}

export function useImages() {
  const api = useApi();
  return useQuery({
    queryKey: ['images'],
    queryFn: async () => unwrap(await api.GET('/v1/images', { params: { query: { limit: 100 } } })),
    refetchInterval: listPoll(POLL_MS * 5),
  });
}

export function useLinks() {
  const api = useApi();
  return useQuery({
    queryKey: ['links'],
    queryFn: async () => unwrap(await api.GET('/v1/links', { params: { query: { limit: 100 } } })),
    refetchInterval: listPoll(POLL_MS * 5),
  });
}

/** The policy bundle in force: hash, files, the policies that can apply to the tenant. */
export function usePolicyBundle() {
  const api = useApi();
  return useQuery({
    queryKey: ['policies'],
    queryFn: async () => unwrap(await api.GET('/v1/policies')),
    staleTime: 5 * 60_000,
  });
}

/** The policy tests' results against the bundle in force (the broker runs them once). */
export function usePolicyTests() {
  const api = useApi();
  return useQuery({
    queryKey: ['policies', 'tests'],
    queryFn: async () => unwrap(await api.GET('/v1/policies/tests')),
    staleTime: 5 * 60_000,
  });
}
