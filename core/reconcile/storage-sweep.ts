import { isBrokerError } from '../errors.ts';
import type { Bucket } from '../model/bucket.ts';
import type { Volume } from '../model/volume.ts';
import { volumeStatusOf } from '../operations/volume-steps.ts';
import type { BucketRepository } from '../ports/bucket-repository.ts';
import type { CloudVolume } from '../ports/cloud/block-storage.ts';
import type { CloudProvider } from '../ports/cloud/provider.ts';
import type { VolumeRepository } from '../ports/volume-repositories.ts';
import { type Drift, volumeDrift } from './drift.ts';
import {
  changedRecently,
  type OrphanAction,
  orphanAction,
  raiseDrift,
  type SweepContext,
} from './sweep-context.ts';

const GONE: CloudVolume = {
  id: '',
  name: '',
  sizeGiB: 0,
  state: 'deleted',
  rawState: 'gone',
  attachments: [],
};

/**
 * One target's volumes against the broker's: stale claims released, a settled volume detached, broken or
 * gone behind the broker's back brought in line (with `drift.detected`), and volumes carrying a broker id
 * that no live record owns reported — deleted only when so configured (a volume holds data).
 */
export async function sweepVolumes(
  ctx: SweepContext,
  provider: CloudProvider,
  volumes: VolumeRepository,
  records: ReadonlyMap<string, Volume>,
  orphans: OrphanAction,
): Promise<void> {
  const listed = new Set<string>();
  for await (const cloud of provider.blockStorage.listVolumes()) {
    listed.add(cloud.id);
    if (!cloud.brokerId?.startsWith('vol-')) continue;
    const volume = records.get(cloud.brokerId);
    if (volume?.activeOperationId) {
      if (volume.cloudId === cloud.id) await releaseIfStale(ctx, volumes, volume, cloud);
      continue;
    }
    if (volume && ownsVolume(volume, ctx.targetId, cloud.id)) {
      if (volume.cloudId === cloud.id && volumeDrift(volume, cloud))
        await settle(ctx, volumes, volume, cloud);
      continue;
    }
    const fresh = await volumes.findById(cloud.brokerId);
    if (fresh && (fresh.activeOperationId || ownsVolume(fresh, ctx.targetId, cloud.id))) continue;
    const action = orphanAction(ctx, cloud.deployment, orphans);
    if (action === undefined) continue;
    const fields = { targetId: ctx.targetId, volumeId: cloud.id, brokerId: cloud.brokerId };
    if (action === 'report' || cloud.attachments.length > 0) {
      ctx.log.warn('orphaned volume (reported, not deleted)', fields);
      continue;
    }
    ctx.log.warn('deleting orphaned volume', fields);
    await provider.blockStorage.deleteVolume(cloud.id);
    ctx.report.orphansDeleted += 1;
  }
  for (const volume of records.values()) {
    if (volume.placement?.targetId !== ctx.targetId || volume.cloudId === undefined) continue;
    if (listed.has(volume.cloudId) || volume.activeOperationId || !volumeDrift(volume, GONE)) continue;
    if (changedRecently(ctx, volume.updatedAt)) continue;
    try {
      await provider.blockStorage.getVolume(volume.cloudId);
      continue;
    } catch (error) {
      if (!isBrokerError(error, 'notFound')) throw error;
    }
    await settle(ctx, volumes, volume, { ...GONE, id: volume.cloudId });
  }
}

/** Like {@link ownsServer}: a live record on this target recording this volume, or none yet. */
function ownsVolume(volume: Volume, targetId: string, cloudId: string): boolean {
  if (volume.status === 'deleted' || volume.placement?.targetId !== targetId) return false;
  if (volume.cloudId !== undefined) return volume.cloudId === cloudId;
  return volume.status !== 'error';
}

async function settle(ctx: SweepContext, volumes: VolumeRepository, scanned: Volume, cloud: CloudVolume) {
  const volume = await volumes.get(scanned.tenant, scanned.id);
  if (!volume || volume.activeOperationId || volume.cloudId !== cloud.id) return;
  if (changedRecently(ctx, volume.updatedAt)) return;
  const drift = volumeDrift(volume, cloud);
  if (!drift) return;
  await raiseDrift(ctx, { resourceType: 'volume', ...volume }, drift);
  const patch =
    drift.kind === 'detached'
      ? { status: 'available' as const, attachment: null }
      : {
          status: 'error' as const,
          fault: drift.kind === 'missing' ? 'the volume is gone from its target' : 'error',
        };
  await volumes.update(volume.tenant, volume.id, patch, { expectActiveOperation: null }).catch(ignoreBusy);
}

/** Volume claims whose operation finished or was never written: released to the cloud volume's state. */
async function releaseIfStale(
  ctx: SweepContext,
  volumes: VolumeRepository,
  volume: Volume,
  cloud: CloudVolume,
) {
  const operationId = volume.activeOperationId!;
  const op = await ctx.operations.get(volume.tenant, operationId);
  if (op && op.status !== 'succeeded' && op.status !== 'failed') return;
  const status = op ? volume.status : volumeStatusOf(cloud.state, volume.status);
  await volumes
    .update(
      volume.tenant,
      volume.id,
      { activeOperationId: null, task: null, status },
      { expectActiveOperation: operationId },
    )
    .catch(() => undefined);
  ctx.report.releasedClaims += 1;
}

/**
 * Each active bucket of the target, asked for by name (object stores list no broker ids cheaply): one
 * gone behind the broker's back is marked `error` with `drift.detected`. Buckets are few per tenant; a
 * call each per pass is the price of noticing.
 */
export async function sweepBuckets(
  ctx: SweepContext,
  provider: CloudProvider,
  buckets: BucketRepository,
  records: readonly Bucket[],
): Promise<void> {
  for (const scanned of records) {
    if (scanned.placement?.targetId !== ctx.targetId || scanned.status !== 'active') continue;
    if (scanned.activeOperationId || changedRecently(ctx, scanned.updatedAt)) continue;
    try {
      await provider.objectStorage.getBucket(scanned.cloudName);
      continue;
    } catch (error) {
      if (!isBrokerError(error, 'notFound')) throw error;
    }
    const bucket = await buckets.get(scanned.tenant, scanned.id);
    if (bucket?.status !== 'active' || bucket.activeOperationId) continue;
    const drift: Drift = { kind: 'missing', from: 'active', to: 'error' };
    await raiseDrift(ctx, { resourceType: 'bucket', ...bucket }, drift);
    await buckets
      .update(
        bucket.tenant,
        bucket.id,
        { status: 'error', fault: 'the bucket is gone from its target' },
        { expectActiveOperation: null },
      )
      .catch(ignoreBusy);
  }
}

function ignoreBusy(error: unknown): void {
  if (!isBrokerError(error, 'busy') && !isBrokerError(error, 'notFound')) throw error;
}
