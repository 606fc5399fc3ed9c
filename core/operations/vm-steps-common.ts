import { BrokerError } from '../errors.ts';
import type { Vm, VmStatus } from '../model/vm.ts';
import { type CloudServer, DEPLOYMENT_TAG, type ServerState } from '../ports/cloud/compute.ts';
import type { CloudProvider } from '../ports/cloud/provider.ts';
import type { StepContext } from './step.ts';

/** Loads the VM the operation works on; an operation whose VM vanished cannot continue. */
export async function loadVm(ctx: StepContext): Promise<Vm> {
  const vm = await ctx.deps.vms.get(ctx.op.tenant, ctx.op.resource.id);
  if (!vm) throw new BrokerError('vm.missing', `VM ${ctx.op.resource.id} has no record`);
  return vm;
}

export function providerOf(ctx: StepContext, vm: Vm): CloudProvider {
  if (!vm.placement) throw new BrokerError('vm.unplaced', `VM ${vm.id} has no placement`);
  return ctx.deps.providers.get(vm.placement.targetId);
}

const STATUS_OF: Record<ServerState, VmStatus | undefined> = {
  building: 'building',
  active: 'active',
  stopped: 'stopped',
  paused: 'paused',
  resizing: 'resizing',
  verifyResize: 'resizing',
  rebooting: 'active',
  migrating: 'active',
  error: 'error',
  deleting: 'deleting',
  deleted: 'deleted',
  unknown: undefined,
};

/** The contract status for a cloud state; `unknown` keeps what the broker had. */
export function vmStatusOf(state: ServerState, current: VmStatus): VmStatus {
  return STATUS_OF[state] ?? current;
}

/** The attempt number of the step being run (1 on its first run). */
export function stepAttempt(ctx: StepContext): number {
  return ctx.op.steps.at(-1)?.attempts ?? 1;
}

/**
 * Whether the current step began less than `windowMs` ago. Clouds with eventual consistency (EC2) may
 * answer "not found" for a resource they have just created; within the window that means "not yet".
 */
export function stepIsYoung(ctx: StepContext, windowMs = 60_000): boolean {
  const started = ctx.op.steps.at(-1)?.startedAt;
  return started !== undefined && ctx.deps.clock.now().getTime() - Date.parse(started) < windowMs;
}

/** Cloud tags the broker puts on everything it creates: enough to find an orphan's owner, nothing more. */
export function brokerTags(vm: Vm, deploymentId?: string): Record<string, string> {
  return {
    ...vm.tags,
    'hcb:vm': vm.id,
    'hcb:tenant': vm.tenant,
    'hcb:classification': vm.classification,
    ...deploymentTag(deploymentId),
  };
}

/** The deployment's tag (`DEPLOYMENT_TAG`), when the broker was given an id. */
export function deploymentTag(deploymentId: string | undefined): Record<string, string> {
  return deploymentId === undefined ? {} : { [DEPLOYMENT_TAG]: deploymentId };
}

/** Records the server's current state on the VM and releases the VM's claim. */
export async function settleVm(ctx: StepContext, vm: Vm, server: CloudServer | undefined, fault?: string) {
  const status = server ? vmStatusOf(server.state, vm.status) : vm.status;
  return ctx.deps.vms.update(vm.tenant, vm.id, {
    status,
    task: null,
    activeOperationId: null,
    ...(server ? { addresses: server.addresses } : {}),
    fault: fault ?? (status === 'error' ? (server?.fault ?? 'cloud reported an error') : null),
  });
}
