import { taint } from '../classification.ts';
import { BrokerError, isBrokerError } from '../errors.ts';
import type { CloudVolume } from '../ports/cloud/block-storage.ts';
import { deleteAndSettle } from './ambiguous-delete.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { stepAttempt } from './vm-steps-common.ts';
import { loadVolume, settleVolumeAfterFailure, volumeProvider } from './volume-steps.ts';

/** volume.attach / volume.detach / volume.delete: one cloud call, then wait for the settled state. */
export const volumeLifecycle: OperationDefinition = {
  kinds: ['volume.attach', 'volume.detach', 'volume.delete'],
  steps: { attach, detach, deleteVolume, awaitSettled },
  onFailed: (ctx, error) => settleVolumeAfterFailure(ctx, error.message),
};

async function vmOf(ctx: StepContext) {
  const vm = await ctx.deps.vms.get(ctx.op.tenant, ctx.op.input.vmId!);
  if (!vm?.cloudId) throw new BrokerError('vm.invalidState', `VM ${ctx.op.input.vmId} has no server`);
  return vm;
}

async function attach(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  const vm = await vmOf(ctx);
  await volumeProvider(ctx, volume).blockStorage.attachVolume(volume.cloudId!, vm.cloudId!);
  return { type: 'next', step: 'awaitSettled', note: `attaching to ${vm.id}` };
}

async function detach(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  const vm = await vmOf(ctx);
  await volumeProvider(ctx, volume).blockStorage.detachVolume(volume.cloudId!, vm.cloudId!);
  return { type: 'next', step: 'awaitSettled', note: `detaching from ${vm.id}` };
}

async function deleteVolume(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  if (!volume.placement) return finishDelete(ctx);
  const provider = volumeProvider(ctx, volume);
  const cloudId = volume.cloudId ?? (await provider.blockStorage.findVolumeByBrokerId(volume.id))?.id;
  if (cloudId === undefined) return finishDelete(ctx);
  if (volume.cloudId === undefined) await ctx.deps.volumes.update(volume.tenant, volume.id, { cloudId });
  const aftermath = await deleteAndSettle(
    () => provider.blockStorage.deleteVolume(cloudId),
    () => provider.blockStorage.getVolume(cloudId),
  );
  if (aftermath === 'gone') return finishDelete(ctx);
  return { type: 'next', step: 'awaitSettled', note: `deleting volume ${cloudId}` };
}

async function awaitSettled(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  const provider = volumeProvider(ctx, volume);
  const wait = { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) } as const;
  let cloud: CloudVolume;
  try {
    cloud = await provider.blockStorage.getVolume(volume.cloudId!);
  } catch (error) {
    if (ctx.op.kind === 'volume.delete' && isBrokerError(error, 'notFound')) return finishDelete(ctx);
    throw error;
  }
  if (cloud.state === 'error') throw new BrokerError('volume.cloudError', `volume is ${cloud.rawState}`);
  switch (ctx.op.kind) {
    case 'volume.attach': {
      if (cloud.state !== 'inUse') return wait;
      const vm = await vmOf(ctx);
      const device = cloud.attachments.find((a) => a.serverId === vm.cloudId)?.device;
      await ctx.deps.volumes.update(volume.tenant, volume.id, {
        status: 'in-use',
        task: null,
        activeOperationId: null,
        attachment: { vmId: vm.id, ...(device ? { device } : {}) },
      });
      // The VM now reaches the volume's data: it carries at least the volume's classification (taint).
      const raised = taint(vm.classification, volume.classification);
      if (raised !== vm.classification)
        await ctx.deps.vms.update(vm.tenant, vm.id, { classification: raised });
      return { type: 'done', result: { vmId: vm.id, ...(device ? { device } : {}) } };
    }
    case 'volume.detach':
      if (cloud.state !== 'available') return wait;
      await ctx.deps.volumes.update(volume.tenant, volume.id, {
        status: 'available',
        task: null,
        activeOperationId: null,
        attachment: null,
      });
      return { type: 'done' };
    default:
      if (cloud.state !== 'deleted') return wait;
      return finishDelete(ctx);
  }
}

async function finishDelete(ctx: StepContext): Promise<StepOutcome> {
  const volume = await loadVolume(ctx);
  await ctx.deps.usage?.volume(ctx.op.id, 'gone', volume, 'gone');
  await ctx.deps.volumes.update(volume.tenant, volume.id, {
    status: 'deleted',
    task: null,
    activeOperationId: null,
    fault: null,
  });
  await ctx.deps.quotas?.release(volume.tenant, volume.id);
  return { type: 'done' };
}
