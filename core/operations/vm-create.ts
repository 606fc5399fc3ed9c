import { BrokerError, describeError, isBrokerError } from '../errors.ts';
import type { Vm } from '../model/vm.ts';
import type { CloudServer } from '../ports/cloud/compute.ts';
import { lookupThenCreate } from './create-on-target.ts';
import { fallBackToNextPermitted } from './fallback.ts';
import type { OperationDefinition, StepContext, StepOutcome } from './step.ts';
import { pollDelay } from './step.ts';
import { brokerTags, loadVm, providerOf, settleVm, stepAttempt, stepIsYoung } from './vm-steps-common.ts';

/**
 * vm.create: provision on the placed target, wait for it to become active. When the target refuses
 * definitively, cannot be reached before any create was sent (create-on-target.ts) or the server ends in
 * error, fall back to the next *permitted* candidate of the recorded decision — never to a denied one (I1).
 */
export const vmCreate: OperationDefinition = {
  kinds: ['vm.create'],
  steps: { provision, awaitActive },
  async onFailed(ctx, error) {
    const vm = await ctx.deps.vms.get(ctx.op.tenant, ctx.op.resource.id);
    if (!vm) return;
    await removeFailedServer(ctx, vm);
    // Whatever ran (a server that became active and broke) stops counting here.
    await ctx.deps.usage?.vm(ctx.op.id, 'failed', vm, 'gone');
    // Whatever the create reserved goes back (a hold released once, however often this runs).
    await ctx.deps.quotas?.release(vm.tenant, vm.id);
    // Without a cloud id an `error` VM owns no server: the reconciler removes one this could not.
    await ctx.deps.vms.update(vm.tenant, vm.id, {
      status: 'error',
      task: null,
      activeOperationId: null,
      cloudId: null,
      addresses: [],
      fault: error.message,
    });
  },
};

/** A failed create removes what it made: the recorded server, or one carrying the VM's broker id. */
async function removeFailedServer(ctx: StepContext, vm: Vm): Promise<void> {
  if (!vm.placement) return;
  try {
    const compute = providerOf(ctx, vm).compute;
    const serverId = vm.cloudId ?? (await compute.findServerByBrokerId(vm.id))?.id;
    if (serverId !== undefined) await compute.deleteServer(serverId);
  } catch (error) {
    ctx.deps.log.warn('could not remove the server of a failed create; the reconciler will', {
      vmId: vm.id,
      code: describeError(error).code,
    });
  }
}

async function provision(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  const provider = providerOf(ctx, vm);
  const targetId = provider.target.id;
  let cloudId = vm.cloudId;
  if (cloudId === undefined) {
    // Lookup before create: a server from an earlier attempt whose response was lost is adopted (I4).
    const attempt = await lookupThenCreate<CloudServer>(ctx, {
      targetId,
      lookup: () => provider.compute.findServerByBrokerId(vm.id),
      create: async () => {
        const userData = await loadUserData(ctx, vm);
        return provider.compute.createServer({
          brokerId: vm.id,
          name: vm.name,
          size: vm.size,
          image: await imageRef(ctx, vm),
          ...(userData === undefined ? {} : { userData }),
          ...(vm.networks?.length ? { networkIds: await cloudNetworkIds(ctx, vm.networks, targetId) } : {}),
          tags: brokerTags(vm, ctx.deps.deploymentId),
          clientToken: `${ctx.op.id}-${targetId}`.slice(0, 64),
        });
      },
    });
    if (attempt.type === 'leave') return fallBack(ctx, vm, attempt.reason);
    cloudId = attempt.resource.id;
  }
  await ctx.deps.vms.update(vm.tenant, vm.id, { cloudId, status: 'building', task: 'building' });
  return { type: 'next', step: 'awaitActive', note: `server ${cloudId} on ${targetId}` };
}

async function awaitActive(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  const provider = providerOf(ctx, vm);
  let server: CloudServer;
  try {
    server = await provider.compute.getServer(vm.cloudId!);
  } catch (error) {
    if (isBrokerError(error, 'notFound')) {
      if (stepIsYoung(ctx)) return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
      return fallBack(ctx, vm, 'server vanished while building');
    }
    throw error;
  }
  if (server.state === 'active') {
    await ctx.deps.usage?.vm(ctx.op.id, 'active', vm, 'running');
    await settleVm(ctx, vm, server);
    await ctx.deps.quotas?.confirm(vm.tenant, provider.target.site, vm.id);
    await discardUserData(ctx, vm);
    return { type: 'done', result: { targetId: provider.target.id, serverId: server.id } };
  }
  if (server.state === 'error') {
    // Remove the failed server before moving on, so fallback leaves nothing behind (I5).
    await provider.compute.deleteServer(server.id).catch(() => undefined);
    ctx.deps.health.recordFailure(provider.target.id);
    return fallBack(ctx, vm, `server error: ${server.fault ?? server.rawState}`);
  }
  return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
}

function fallBack(ctx: StepContext, vm: Vm, reason: string): Promise<StepOutcome> {
  return fallBackToNextPermitted(ctx, vm.placement!.targetId, reason, async (placement) => {
    // The reservation follows the VM to the other site (or the fallback is refused: quota.exceeded).
    await ctx.deps.quotas?.move(vm.tenant, vm.id, vm.placement!.site, placement.site);
    return ctx.deps.vms.update(vm.tenant, vm.id, {
      placement,
      cloudId: null,
      status: 'pending',
      task: 'provisioning',
    });
  });
}

/** A logical image as is; one of the broker's images (`img-…`) as its cloud id on this target. */
async function imageRef(ctx: StepContext, vm: Vm): Promise<string> {
  if (!vm.image.startsWith('img-')) return vm.image;
  const image = await ctx.deps.images.get(vm.tenant, vm.image);
  if (!image?.cloudId || image.placement.targetId !== vm.placement?.targetId)
    throw new BrokerError(
      'image.invalidState',
      `image ${vm.image} is not available on ${vm.placement?.targetId}`,
    );
  return image.cloudId;
}

async function loadUserData(ctx: StepContext, vm: Vm): Promise<string | undefined> {
  const ref = vm.userData;
  if (!ref) return undefined;
  if (ref.storedIn === 'control-plane') return ref.data;
  const payloads = ctx.deps.providers.get(ref.targetId).payloads;
  const bytes = await payloads?.get(ref.key);
  if (!bytes)
    throw new BrokerError('vm.userDataMissing', `user data of ${vm.id} is no longer on ${ref.targetId}`);
  return new TextDecoder().decode(bytes);
}

/** User data is needed only to boot; once active, the on-prem copy goes (the hash stays). */
async function discardUserData(ctx: StepContext, vm: Vm): Promise<void> {
  const ref = vm.userData;
  if (ref?.storedIn !== 'target') return;
  await ctx.deps.providers.get(ref.targetId).payloads?.delete(ref.key);
}

/** The cloud's ids of the VM's tenant networks on its target; one gone from the cloud fails the create. */
async function cloudNetworkIds(ctx: StepContext, networkIds: string[], targetId: string): Promise<string[]> {
  const network = ctx.deps.providers.get(targetId).network;
  return Promise.all(
    networkIds.map(async (id) => {
      const found = await network.findTenantNetwork(id);
      if (!found?.complete)
        throw new BrokerError('network.missing', `network ${id} is not on target ${targetId}`);
      return found.id;
    }),
  );
}
