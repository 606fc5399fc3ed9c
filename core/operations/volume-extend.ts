import { BrokerError } from '../errors.ts';
import type { Volume } from '../model/volume.ts';
import type { QuotaDemand } from '../ports/quotas.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { stepAttempt } from './vm-steps-common.ts';
import { loadVolume, settleVolumeAfterFailure, volumeProvider, volumeStatusOf } from './volume-steps.ts';

/** What a volume of `sizeGiB` holds against its tenant's quota (as its create reserved it). */
export const volumeDemand = (sizeGiB: number): QuotaDemand => ({ volumes: 1, volumeGiB: sizeGiB });

/**
 * volume.extend: hold the new size against the quota (under the operation's claim on the volume, so no
 * other change of it runs meanwhile), grow the cloud volume (attached or not), wait until the cloud shows
 * the new size. A failure holds what the cloud ended with.
 */
export const volumeExtend: OperationDefinition = {
  kinds: ['volume.extend'],
  steps: { extend, awaitExtended },
  async onFailed(ctx, error) {
    const volume = await ctx.deps.volumes.get(ctx.op.tenant, ctx.op.resource.id);
    if (volume?.placement && volume.cloudId !== undefined) {
      const cloud = await volumeProvider(ctx, volume)
        .blockStorage.getVolume(volume.cloudId)
        .catch(() => undefined);
      // A timeout after the cloud grew it: the volume is as large as the cloud says, and holds that.
      const sizeGiB = cloud && cloud.sizeGiB > volume.sizeGiB ? cloud.sizeGiB : volume.sizeGiB;
      if (sizeGiB !== volume.sizeGiB) await ctx.deps.volumes.update(volume.tenant, volume.id, { sizeGiB });
      await ctx.deps.quotas?.change(
        volume.tenant,
        volume.placement.site,
        volume.id,
        volumeDemand(sizeGiB),
        true,
      );
    }
    await settleVolumeAfterFailure(ctx, error.message);
  },
};

const target = (ctx: StepContext) => Number(ctx.op.input.sizeGiB);

async function extend(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  if (!volume.placement || volume.cloudId === undefined)
    throw new BrokerError('volume.invalidState', `volume ${volume.id} has no cloud volume`);
  // Idempotent: the same demand again changes nothing; growing beyond the quota fails the operation.
  await ctx.deps.quotas?.change(volume.tenant, volume.placement.site, volume.id, volumeDemand(target(ctx)));
  await volumeProvider(ctx, volume).blockStorage.extendVolume(volume.cloudId, target(ctx));
  return { type: 'next', step: 'awaitExtended', note: `extending to ${target(ctx)} GiB` };
}

async function awaitExtended(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  const cloud = await volumeProvider(ctx, volume).blockStorage.getVolume(volume.cloudId!);
  if (cloud.state === 'error') throw new BrokerError('volume.cloudError', `volume is ${cloud.rawState}`);
  if (cloud.sizeGiB < target(ctx) || (cloud.state !== 'available' && cloud.state !== 'inUse'))
    return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
  const extended: Volume = await ctx.deps.volumes.update(volume.tenant, volume.id, {
    sizeGiB: cloud.sizeGiB,
    status: volumeStatusOf(cloud.state, volume.status),
    task: null,
    activeOperationId: null,
    fault: null,
  });
  await ctx.deps.usage?.volume(ctx.op.id, 'extended', extended, 'running');
  return { type: 'done', result: { sizeGiB: String(cloud.sizeGiB) } };
}
