import { isBrokerError } from '../errors.ts';
import { releaseVmAddresses } from '../vms/vm-addresses.ts';
import { deleteAndSettle, isGone } from './ambiguous-delete.ts';
import type { OperationDefinition, StepContext, StepOutcome } from './step.ts';
import { pollDelay } from './step.ts';
import { loadVm, providerOf, settleVm, stepAttempt } from './vm-steps-common.ts';

/**
 * vm.delete: delete the server (and any server carrying this VM's broker id that a crash left unrecorded),
 * then wait until the cloud no longer has it. The VM record stays, as `deleted`, for the audit trail. A
 * delete whose effect happened is a succeeded delete: after an ambiguous failure the server is looked up,
 * and even a failed operation leaves the VM `deleted`, not `error`, when its server is gone.
 */
export const vmDelete: OperationDefinition = {
  kinds: ['vm.delete'],
  steps: { deleteServer, awaitGone },
  async onFailed(ctx, error) {
    const vm = await ctx.deps.vms.get(ctx.op.tenant, ctx.op.resource.id);
    if (!vm) return;
    const compute = vm.cloudId && vm.placement ? providerOf(ctx, vm).compute : undefined;
    if (compute && (await isGone(() => compute.getServer(vm.cloudId!)))) {
      await finish(ctx);
      return;
    }
    await settleVm(ctx, { ...vm, status: 'error' }, undefined, error.message);
  },
};

async function deleteServer(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  if (!vm.placement) return finish(ctx);
  const provider = providerOf(ctx, vm);
  const orphan = vm.cloudId === undefined ? await provider.compute.findServerByBrokerId(vm.id) : undefined;
  const serverId = vm.cloudId ?? orphan?.id;
  if (serverId === undefined) return finish(ctx);
  if (vm.cloudId === undefined) await ctx.deps.vms.update(vm.tenant, vm.id, { cloudId: serverId });
  // Public addresses outlive their server on every cloud (a floating IP loses its port, an Elastic IP its
  // instance): release them first so that nothing stays allocated.
  if (vm.publicAddresses?.length) {
    await releaseVmAddresses(ctx.deps.providers, vm);
    await ctx.deps.vms.update(vm.tenant, vm.id, { publicAddresses: null });
  }
  const aftermath = await deleteAndSettle(
    () => provider.compute.deleteServer(serverId),
    () => provider.compute.getServer(serverId),
  );
  if (vm.userData?.storedIn === 'target')
    await ctx.deps.providers.get(vm.userData.targetId).payloads?.delete(vm.userData.key);
  if (aftermath === 'gone') return finish(ctx);
  return { type: 'next', step: 'awaitGone', note: `deleting server ${serverId} on ${provider.target.id}` };
}

async function awaitGone(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  const provider = providerOf(ctx, vm);
  try {
    const server = await provider.compute.getServer(vm.cloudId!);
    if (server.state !== 'deleted') {
      // Some clouds drop a delete issued mid-transition; ask again now and then.
      if (stepAttempt(ctx) % 20 === 0) await provider.compute.deleteServer(server.id);
      return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
    }
  } catch (error) {
    if (!isBrokerError(error, 'notFound')) throw error;
  }
  return finish(ctx);
}

async function finish(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  await ctx.deps.usage?.vm(ctx.op.id, 'gone', vm, 'gone');
  await ctx.deps.vms.update(vm.tenant, vm.id, {
    status: 'deleted',
    task: null,
    activeOperationId: null,
    addresses: [],
    fault: null,
  });
  await ctx.deps.quotas?.release(vm.tenant, vm.id);
  return { type: 'done' };
}
