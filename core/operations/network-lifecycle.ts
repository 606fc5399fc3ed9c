import { BrokerError } from '../errors.ts';
import type { Network } from '../model/network.ts';
import type { CloudTenantNetwork } from '../ports/cloud/network.ts';
import { deleteAndSettle } from './ambiguous-delete.ts';
import { lookupThenCreate } from './create-on-target.ts';
import { fallBackToNextPermitted } from './fallback.ts';
import type { OperationDefinition, StepContext, StepOutcome } from './step.ts';

/**
 * network.create (idempotent on the broker id, fallback among the permitted targets) and network.delete
 * (every piece the create made: router interface, router, subnet, network — or the VPC subnet).
 */
export const networkLifecycle: OperationDefinition = {
  kinds: ['network.create', 'network.delete'],
  steps: { provision, deleteNetwork },
  async onFailed(ctx, error) {
    const network = await ctx.deps.networks.get(ctx.op.tenant, ctx.op.resource.id);
    if (!network) return;
    const gone =
      ctx.op.kind === 'network.delete' &&
      network.placement !== undefined &&
      (await cloudNetwork(ctx, network).catch(() => 'unknown')) === undefined;
    const status = ctx.op.kind === 'network.create' ? 'error' : gone ? 'deleted' : 'active';
    await ctx.deps.networks.update(network.tenant, network.id, {
      status,
      activeOperationId: null,
      fault: status === 'error' ? error.message : null,
    });
  },
};

async function load(ctx: StepContext): Promise<Network> {
  const network = await ctx.deps.networks.get(ctx.op.tenant, ctx.op.resource.id);
  if (!network?.placement)
    throw new BrokerError('network.missing', `network ${ctx.op.resource.id} has no record`);
  return network;
}

/** The cloud's network for this record, undefined when absent. */
function cloudNetwork(ctx: StepContext, network: Network): Promise<CloudTenantNetwork | undefined> {
  return ctx.deps.providers.get(network.placement!.targetId).network.findTenantNetwork(network.id);
}

async function provision(ctx: StepContext): Promise<StepOutcome> {
  const network = await load(ctx);
  const provider = ctx.deps.providers.get(network.placement!.targetId);
  const targetId = provider.target.id;
  const attempt = await lookupThenCreate<CloudTenantNetwork>(ctx, {
    targetId,
    // A network found half-made (a crash between its pieces) is completed by the create, not adopted.
    lookup: async () => {
      const found = await provider.network.findTenantNetwork(network.id);
      return found?.complete ? found : undefined;
    },
    create: () =>
      provider.network.ensureTenantNetwork({
        brokerId: network.id,
        name: `hcb-${network.id}`,
        cidr: network.cidr,
      }),
  });
  if (attempt.type === 'leave')
    return fallBackToNextPermitted(ctx, targetId, attempt.reason, (placement) =>
      ctx.deps.networks.update(network.tenant, network.id, { placement }),
    );
  await ctx.deps.networks.update(network.tenant, network.id, {
    status: 'active',
    activeOperationId: null,
    fault: null,
  });
  return { type: 'done', result: { targetId, cloudNetworkId: attempt.resource.id } };
}

async function deleteNetwork(ctx: StepContext): Promise<StepOutcome> {
  const network = await load(ctx);
  const service = ctx.deps.providers.get(network.placement!.targetId).network;
  await deleteAndSettle(
    () => service.deleteTenantNetwork(network.id),
    async () => ((await service.findTenantNetwork(network.id)) ? { state: 'present' } : { state: 'deleted' }),
  );
  await ctx.deps.networks.update(network.tenant, network.id, {
    status: 'deleted',
    activeOperationId: null,
    fault: null,
  });
  return { type: 'done' };
}
