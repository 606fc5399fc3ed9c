import { cloudVolumeType } from '../catalogue/volume-types.ts';
import { BrokerError } from '../errors.ts';
import type { Volume } from '../model/volume.ts';
import type { CloudProvider } from '../ports/cloud/provider.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { stepAttempt, stepIsYoung } from './vm-steps-common.ts';
import { loadVolume, settleVolumeAfterFailure, volumeProvider, volumeStatusOf } from './volume-steps.ts';

/**
 * volume.retype: ask the volume's own target to change its type in place (attached or not), wait until the
 * cloud shows the new type and a settled state, then record the logical type. The volume never leaves its
 * target. A failure leaves the logical type as it was and the volume showing what the cloud reports.
 */
export const volumeRetype: OperationDefinition = {
  kinds: ['volume.retype'],
  steps: { retype, awaitRetyped },
  onFailed: (ctx, error) => settleVolumeAfterFailure(ctx, error.message),
};

/** How long a settled volume still showing its old type may be a retype not yet begun. */
const REFUSAL_WINDOW_MS = 120_000;

const logicalType = (ctx: StepContext) => ctx.op.input.type!;

/** The cloud's name for the requested type on this target; the catalogue offered it when asked. */
function cloudType(ctx: StepContext, provider: CloudProvider): string {
  const type = cloudVolumeType(provider.target, logicalType(ctx));
  if (type === undefined)
    throw new BrokerError(
      'retype.unsupported',
      `target ${provider.target.id} names no cloud volume type for ${logicalType(ctx)}`,
    );
  return type;
}

async function retype(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  if (!volume.placement || volume.cloudId === undefined)
    throw new BrokerError('volume.invalidState', `volume ${volume.id} has no cloud volume`);
  const provider = volumeProvider(ctx, volume);
  const type = cloudType(ctx, provider);
  await provider.blockStorage.retypeVolume(volume.cloudId, type);
  return { type: 'next', step: 'awaitRetyped', note: `retyping to ${logicalType(ctx)} (${type})` };
}

async function awaitRetyped(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  const provider = volumeProvider(ctx, volume);
  const cloud = await provider.blockStorage.getVolume(volume.cloudId!);
  if (cloud.state === 'error') throw new BrokerError('volume.cloudError', `volume is ${cloud.rawState}`);
  const settled = cloud.state === 'available' || cloud.state === 'inUse';
  // Cinder puts a refused retype (no backend takes the type) back to its status with the old type.
  if (settled && cloud.volumeType !== cloudType(ctx, provider) && !stepIsYoung(ctx, REFUSAL_WINDOW_MS))
    throw new BrokerError('volume.failed', `the cloud kept the volume's type ${cloud.volumeType ?? ''}`);
  if (!settled || cloud.volumeType !== cloudType(ctx, provider))
    return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
  const retyped: Volume = await ctx.deps.volumes.update(volume.tenant, volume.id, {
    type: logicalType(ctx),
    status: volumeStatusOf(cloud.state, volume.status),
    task: null,
    activeOperationId: null,
    fault: null,
  });
  return { type: 'done', result: { type: retyped.type ?? logicalType(ctx), volumeType: cloud.volumeType } };
}
