import { taint } from '../classification.ts';
import { BrokerError, isBrokerError } from '../errors.ts';
import type { Vm, VmActionOperationKind } from '../model/vm.ts';
import type { CloudServer, ServerState } from '../ports/cloud/compute.ts';
import type { CloudProvider } from '../ports/cloud/provider.ts';
import { meteredVmState } from '../usage/usage-meter.ts';
import type { OperationDefinition, StepContext, StepOutcome } from './step.ts';
import { pollDelay } from './step.ts';
import { loadVm, providerOf, settleVm, stepAttempt, vmStatusOf } from './vm-steps-common.ts';

type ActionKind = VmActionOperationKind;

/** The cloud call that starts each action. */
const REQUEST: Record<
  ActionKind,
  (p: CloudProvider, serverId: string, input: Record<string, string>) => Promise<unknown>
> = {
  'vm.start': (p, id) => p.compute.startServer(id),
  'vm.stop': (p, id) => p.compute.stopServer(id),
  'vm.reboot': (p, id, input) => p.compute.rebootServer(id, input.mode === 'hard' ? 'hard' : 'soft'),
  'vm.pause': (p, id) => p.compute.pauseServer(id),
  'vm.unpause': (p, id) => p.compute.unpauseServer(id),
  'vm.resize': (p, id, input) => p.compute.resizeServer(id, input.size!),
  'vm.snapshot': () => Promise.resolve(), // handled in its own step: it returns an image id
  'vm.migrate': (p, id, input) => p.compute.liveMigrate(id, input.host),
};

/** The state the server reaches when the action is done. */
const SETTLED: Record<ActionKind, ServerState> = {
  'vm.start': 'active',
  'vm.stop': 'stopped',
  'vm.reboot': 'active',
  'vm.pause': 'paused',
  'vm.unpause': 'active',
  'vm.resize': 'active',
  'vm.snapshot': 'active',
  'vm.migrate': 'active',
};

/** Power, resize, snapshot and migrate actions: call the cloud, then wait for the settled state. */
export const vmAction: OperationDefinition = {
  kinds: Object.keys(REQUEST),
  steps: { request, awaitSettled, awaitImage },
  async onFailed(ctx, error) {
    const vm = await ctx.deps.vms.get(ctx.op.tenant, ctx.op.resource.id);
    if (!vm) return;
    // Show what the cloud says now, not what the broker hoped for.
    const server = await providerOf(ctx, vm)
      .compute.getServer(vm.cloudId!)
      .catch(() => undefined);
    // A half-done action (a stop that stopped, then timed out) is metered as the cloud shows it.
    if (server)
      await ctx.deps.usage?.vm(
        ctx.op.id,
        'failed',
        vm,
        meteredVmState(vmStatusOf(server.state, vm.status), true),
        sizeNamed(providerOf(ctx, vm), server.sizeRef) ?? vm.size,
      );
    await settleVm(ctx, vm, server, server?.state === 'error' ? error.message : undefined);
    if (ctx.op.kind === 'vm.resize' && ctx.op.input.fromDemand && vm.placement)
      await ctx.deps.quotas?.change(
        vm.tenant,
        vm.placement.site,
        vm.id,
        JSON.parse(ctx.op.input.fromDemand),
        true,
      );
    if (ctx.op.kind === 'vm.snapshot' && ctx.op.input.imageId)
      await ctx.deps.images
        .update(vm.tenant, ctx.op.input.imageId, {
          status: 'error',
          fault: error.message,
          activeOperationId: null,
        })
        .catch(() => undefined);
  },
};

async function request(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  const provider = providerOf(ctx, vm);
  const kind = ctx.op.kind as ActionKind;
  if (kind === 'vm.snapshot') {
    await ensureImageRecord(ctx, vm);
    const existing = ctx.op.result?.cloudImageId;
    const { imageId } = existing
      ? { imageId: existing }
      : await provider.compute.createServerImage(vm.cloudId!, {
          name: ctx.op.input.name!,
          brokerId: ctx.op.input.imageId!,
        });
    await ctx.deps.images.update(vm.tenant, ctx.op.input.imageId!, { cloudId: imageId });
    ctx.op.result = {
      ...ctx.op.result,
      imageId: ctx.op.input.imageId!,
      cloudImageId: imageId,
      name: ctx.op.input.name!,
    };
    return { type: 'next', step: 'awaitImage', note: `image ${imageId}` };
  }
  try {
    await REQUEST[kind](provider, vm.cloudId!, ctx.op.input);
  } catch (error) {
    if (!(isBrokerError(error, 'conflict') && (await tookEffect(ctx, provider, vm, kind)))) throw error;
  }
  return { type: 'next', step: 'awaitSettled' };
}

/** States that show a request of this kind already reached the server. */
const UNDER_WAY: Partial<Record<ActionKind, readonly ServerState[]>> = {
  'vm.start': ['active'],
  'vm.stop': ['stopped'],
  'vm.pause': ['paused'],
  'vm.unpause': ['active'],
  'vm.reboot': ['rebooting'],
  'vm.resize': ['resizing', 'verifyResize'],
  'vm.migrate': ['migrating'],
};

/**
 * A conflict on a request sent before (its answer lost, or a timeout) may be the cloud refusing to do again
 * what the first request already does: the server's state tells, and then the action is under way (I4).
 */
async function tookEffect(ctx: StepContext, provider: CloudProvider, vm: Vm, kind: ActionKind) {
  if (ctx.op.attempts === 0 && stepAttempt(ctx) <= 1) return false;
  const server = await provider.compute.getServer(vm.cloudId!);
  return UNDER_WAY[kind]?.includes(server.state) ?? false;
}

async function awaitSettled(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  const provider = providerOf(ctx, vm);
  const server = await provider.compute.getServer(vm.cloudId!);
  const kind = ctx.op.kind as ActionKind;
  if (server.state === 'error') return failed(server);
  if (kind === 'vm.resize' && server.state === 'verifyResize') {
    // Confirm once: the cloud keeps showing VERIFY_RESIZE while the confirmation runs, and a second
    // confirm is refused (Nova: 400). The flag is persisted with the wait below.
    if (ctx.op.result?.resizeConfirmed !== 'true') {
      await provider.compute.confirmResize(server.id);
      ctx.op.result = { ...ctx.op.result, resizeConfirmed: 'true' };
      return { type: 'wait', delayMs: pollDelay(1), note: 'resize confirmed' };
    }
    return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
  }
  if (server.state !== SETTLED[kind] || !resizeApplied(kind, ctx.op.input.size, server, provider)) {
    return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
  }
  if (kind === 'vm.migrate' && (await migrationUnderWay(provider, server.id)))
    return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)), note: 'migration finishing' };
  await ctx.deps.usage?.vm(
    ctx.op.id,
    'settled',
    vm,
    meteredVmState(vmStatusOf(server.state, vm.status), true),
    kind === 'vm.resize' ? ctx.op.input.size! : vm.size,
  );
  await settleVm(ctx, vm, server);
  if (kind === 'vm.resize') await ctx.deps.vms.update(vm.tenant, vm.id, { size: ctx.op.input.size! });
  return { type: 'done', result: { state: server.state } };
}

/**
 * Whether the server's newest migration is still queued or running. Nova shows the instance ACTIVE on its
 * new host before the source host's clean-up marks the migration `completed`
 * (https://docs.openstack.org/api-ref/compute/#migrations-os-migrations): the move ends when its record
 * says so. A cloud that will not show migrations (a policy refusing the list) is not waited for.
 */
async function migrationUnderWay(provider: CloudProvider, serverId: string): Promise<boolean> {
  const [newest] = await provider.compute.listMigrations(serverId).catch(() => []);
  return newest?.state === 'queued' || newest?.state === 'running';
}

async function awaitImage(ctx: StepContext): Promise<StepOutcome> {
  const vm = await loadVm(ctx);
  const provider = providerOf(ctx, vm);
  const image = await provider.images.getImage(ctx.op.result!.cloudImageId!);
  if (image.state === 'error' || image.state === 'deleted')
    throw new BrokerError('image.failed', `snapshot image ended ${image.rawState}`);
  if (image.state !== 'available') return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
  const server = await provider.compute.getServer(vm.cloudId!);
  await ctx.deps.images.update(vm.tenant, ctx.op.input.imageId!, {
    status: 'available',
    activeOperationId: null,
  });
  await settleVm(ctx, vm, server);
  return { type: 'done' };
}

/**
 * The broker's record of the snapshot image: classified at least as the VM (taint), on the VM's target.
 * Created here, idempotently, so a crash between the request and this step cannot lose it.
 */
async function ensureImageRecord(ctx: StepContext, vm: Vm): Promise<void> {
  const id = ctx.op.input.imageId!;
  if (await ctx.deps.images.get(vm.tenant, id)) return;
  const at = ctx.deps.clock.now().toISOString();
  await ctx.deps.images
    .create({
      id,
      tenant: vm.tenant,
      name: ctx.op.input.name!,
      classification: taint(vm.classification),
      status: 'pending',
      placement: vm.placement!,
      source: { kind: 'vm', vmId: vm.id },
      operationId: ctx.op.id,
      activeOperationId: ctx.op.id,
      createdAt: at,
      updatedAt: at,
    })
    .catch((error: unknown) => {
      if (!isBrokerError(error, 'alreadyExists')) throw error;
    });
}

/** A resize is applied once the server reports the new size (clouds without a confirm step go straight to active). */
function resizeApplied(
  kind: ActionKind,
  size: string | undefined,
  server: CloudServer,
  provider: CloudProvider,
): boolean {
  if (kind !== 'vm.resize' || server.sizeRef === undefined || size === undefined) return true;
  return server.sizeRef === provider.target.sizes[size];
}

function failed(server: CloudServer): StepOutcome {
  return {
    type: 'fail',
    error: { code: 'vm.cloudError', message: server.fault ?? `server is ${server.rawState}` },
  };
}

/** The logical size a cloud flavor / instance type stands for on this target. */
function sizeNamed(provider: CloudProvider, sizeRef: string | undefined): string | undefined {
  if (sizeRef === undefined) return undefined;
  return Object.entries(provider.target.sizes).find(([, ref]) => ref === sizeRef)?.[0];
}
