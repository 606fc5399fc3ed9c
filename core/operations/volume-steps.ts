import { BrokerError } from '../errors.ts';
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

/** Releases the volume's claim, showing the state the cloud reports now (a failed attach stays `available`). */
export async function settleVolumeAfterFailure(ctx: StepContext, message: string): Promise<void> {
  const volume = await ctx.deps.volumes.get(ctx.op.tenant, ctx.op.resource.id);
  if (!volume) return;
  const cloud = volume.cloudId
    ? await volumeProvider(ctx, volume)
        .blockStorage.getVolume(volume.cloudId)
        .catch(() => undefined)
    : undefined;
  const status = cloud
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
