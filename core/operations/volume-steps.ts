import { BrokerError, isBrokerError } from '../errors.ts';
import type { Volume, VolumeStatus } from '../model/volume.ts';
import type { VolumeState } from '../ports/cloud/block-storage.ts';
import type { CloudProvider } from '../ports/cloud/provider.ts';
import type { StepContext } from './step.ts';

export async function loadVolume(ctx: StepContext): Promise<Volume> {
  const volume = await ctx.deps.volumes.get(ctx.op.tenant, ctx.op.resource.id);
  if (!volume) throw new BrokerError('volume.missing', `volume ${ctx.op.resource.id} has no record`);
  return volume;
}

export function volumeProvider(ctx: StepContext, volume: Volume): CloudProvider {
  if (!volume.placement) throw new BrokerError('volume.unplaced', `volume ${volume.id} has no placement`);
  return ctx.deps.providers.get(volume.placement.targetId);
}

const STATUS_OF: Record<VolumeState, VolumeStatus | undefined> = {
  creating: 'creating',
  available: 'available',
  attaching: 'attaching',
  inUse: 'in-use',
  detaching: 'detaching',
  deleting: 'deleting',
  deleted: 'deleted',
  error: 'error',
  unknown: undefined,
};

export function volumeStatusOf(state: VolumeState, current: VolumeStatus): VolumeStatus {
  return STATUS_OF[state] ?? current;
}

/**
 * Releases the volume's claim, showing the state the cloud reports now (a failed attach stays `available`;
 * a failed delete whose volume is gone anyway is `deleted`).
 */
export async function settleVolumeAfterFailure(ctx: StepContext, message: string): Promise<void> {
  const volume = await ctx.deps.volumes.get(ctx.op.tenant, ctx.op.resource.id);
  if (!volume) return;
  let lookupError: unknown;
  const cloud = volume.cloudId
    ? await volumeProvider(ctx, volume)
        .blockStorage.getVolume(volume.cloudId)
        .catch((error: unknown) => {
          lookupError = error;
          return undefined;
        })
    : undefined;
  // A delete whose effect happened is a succeeded delete, however the operation ended.
  const deletedAfterAll =
    ctx.op.kind === 'volume.delete' && (cloud?.state === 'deleted' || isBrokerError(lookupError, 'notFound'));
  const status = deletedAfterAll
    ? 'deleted'
    : cloud
      ? volumeStatusOf(cloud.state, volume.status)
      : ctx.op.kind === 'volume.create'
        ? 'error'
        : volume.status;
  await ctx.deps.volumes.update(volume.tenant, volume.id, {
    status,
    task: null,
    activeOperationId: null,
    fault: status === 'error' ? message : null,
  });
}

/**
 * A failed create removes what it made: the cloud volume (recorded or found by broker id) is deleted and
 * the record ends in `error` without it. When that delete fails too, the record keeps the cloud id, so
 * deleting the record removes the volume.
 */
export async function removeFailedVolume(ctx: StepContext, message: string): Promise<void> {
  const volume = await ctx.deps.volumes.get(ctx.op.tenant, ctx.op.resource.id);
  if (!volume) return;
  let removed = false;
  if (volume.placement)
    try {
      const storage = volumeProvider(ctx, volume).blockStorage;
      const cloudId = volume.cloudId ?? (await storage.findVolumeByBrokerId(volume.id))?.id;
      if (cloudId !== undefined) await storage.deleteVolume(cloudId);
      removed = true;
    } catch {
      // Kept for a later delete of the record (see above).
    }
  await ctx.deps.volumes.update(volume.tenant, volume.id, {
    status: 'error',
    task: null,
    activeOperationId: null,
    fault: message,
    ...(removed ? { cloudId: null } : {}),
  });
  // A volume the failed create could not remove still holds its quota until the record is deleted.
  if (removed || !volume.placement) await ctx.deps.quotas?.release(volume.tenant, volume.id);
}
