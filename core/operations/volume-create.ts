import { cloudVolumeType, STANDARD_VOLUME_TYPE } from '../catalogue/volume-types.ts';
import { isBrokerError } from '../errors.ts';
import type { Target } from '../model/target.ts';
import type { Volume } from '../model/volume.ts';
import type { CloudVolume } from '../ports/cloud/block-storage.ts';
import { lookupThenCreate } from './create-on-target.ts';
import { fallBackToNextPermitted } from './fallback.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { deploymentTag, stepAttempt, stepIsYoung } from './vm-steps-common.ts';
import { loadVolume, removeFailedVolume, volumeProvider } from './volume-steps.ts';

/**
 * volume.create: lookup-before-create on the placed target (create-on-target.ts: when it may leave a
 * target), wait for `available`, fall back among the permitted. A failed create deletes the cloud volume
 * it made.
 */
/** The cloud's volume type for the volume's logical type on this target; none: the cloud's default. */
function cloudTypeOn(target: Target, volume: Volume): { volumeType?: string } {
  const volumeType = cloudVolumeType(target, volume.type ?? STANDARD_VOLUME_TYPE);
  return volumeType === undefined ? {} : { volumeType };
}

export const volumeCreate: OperationDefinition = {
  kinds: ['volume.create'],
  steps: { provision, awaitAvailable },
  onFailed: (ctx, error) => removeFailedVolume(ctx, error.message),
};

async function provision(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  const provider = volumeProvider(ctx, volume);
  let cloudId = volume.cloudId;
  if (cloudId === undefined) {
    const attempt = await lookupThenCreate<CloudVolume>(ctx, {
      targetId: provider.target.id,
      lookup: () => provider.blockStorage.findVolumeByBrokerId(volume.id),
      create: () =>
        provider.blockStorage.createVolume({
          brokerId: volume.id,
          name: volume.name,
          sizeGiB: volume.sizeGiB,
          tags: {
            ...volume.tags,
            'hcb:volume': volume.id,
            'hcb:tenant': volume.tenant,
            'hcb:classification': volume.classification,
            ...deploymentTag(ctx.deps.deploymentId),
          },
          clientToken: `${ctx.op.id}-${provider.target.id}`.slice(0, 64),
          ...(ctx.op.input.snapshotCloudId ? { snapshotId: ctx.op.input.snapshotCloudId } : {}),
          ...cloudTypeOn(provider.target, volume),
        }),
    });
    if (attempt.type === 'leave') return fallBack(ctx, volume, attempt.reason);
    cloudId = attempt.resource.id;
  }
  await ctx.deps.volumes.update(volume.tenant, volume.id, { cloudId, status: 'creating', task: 'creating' });
  return { type: 'next', step: 'awaitAvailable', note: `volume ${cloudId} on ${provider.target.id}` };
}

async function awaitAvailable(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  const provider = volumeProvider(ctx, volume);
  let cloud: CloudVolume;
  try {
    cloud = await provider.blockStorage.getVolume(volume.cloudId!);
  } catch (error) {
    if (isBrokerError(error, 'notFound')) {
      if (stepIsYoung(ctx)) return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
      return fallBack(ctx, volume, 'volume vanished while creating');
    }
    throw error;
  }
  if (cloud.state === 'available') {
    await ctx.deps.usage?.volume(ctx.op.id, 'available', volume, 'running');
    await ctx.deps.volumes.update(volume.tenant, volume.id, {
      status: 'available',
      task: null,
      activeOperationId: null,
      fault: null,
    });
    await ctx.deps.quotas?.confirm(volume.tenant, provider.target.site, volume.id);
    return { type: 'done', result: { targetId: provider.target.id, volumeId: cloud.id } };
  }
  if (cloud.state === 'error') {
    await provider.blockStorage.deleteVolume(cloud.id).catch(() => undefined);
    return fallBack(ctx, volume, `volume error: ${cloud.rawState}`);
  }
  return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
}

function fallBack(ctx: StepContext, volume: Volume, reason: string): Promise<StepOutcome> {
  // A restore can only happen on the snapshot's target: its decision permits no other.
  return fallBackToNextPermitted(ctx, volume.placement!.targetId, reason, async (placement) => {
    await ctx.deps.quotas?.move(volume.tenant, volume.id, volume.placement!.site, placement.site);
    return ctx.deps.volumes.update(volume.tenant, volume.id, {
      placement,
      cloudId: null,
      status: 'pending',
      task: 'provisioning',
    });
  });
}
