import type { Classification } from '../classification.ts';
import { BrokerError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { Vm, VmActionType } from '../model/vm.ts';
import { networksForVm, placeOnNetworks } from '../networks/vm-networks.ts';
import { type Created, type CreateIds, createOnce, placed } from '../operations/create-once.ts';
import { operationFor } from '../operations/new-operation.ts';
import { type OperationSpec, ResourceOperations } from '../operations/resource-operations.ts';
import { ownedOrNotFound } from '../owned.ts';
import { noTargetError } from '../placement/no-target-error.ts';
import { pinnedDecision } from '../placement/pinned-decision.ts';
import type { Clock } from '../ports/clock.ts';
import type { ServerConsole } from '../ports/cloud/compute.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { IdempotencyScope, KeyBindings } from '../ports/idempotency.ts';
import type { ImageRepository } from '../ports/image-repository.ts';
import type { NetworkRepository } from '../ports/network-repository.ts';
import type { PlacementEngine } from '../ports/placement-engine.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { QuotaLedger } from '../ports/quota-ledger.ts';
import type {
  OperationRepository,
  Page,
  PageRequest,
  VmFilter,
  VmRepository,
} from '../ports/repositories.ts';
import { admitCreate } from '../quotas/admission.ts';
import { vmDemand } from '../quotas/quota-limits.ts';
import { DELETABLE_FROM, VM_ACTION_RULES } from './vm-actions.ts';
import { readVmHosting, type VmHosting } from './vm-hosting.ts';
import {
  actionInput,
  brokerImage,
  checkCatalogueNames,
  refuseCrossTargetMigration,
  storeUserData,
} from './vm-requests.ts';

export interface CreateVmInput {
  name: string;
  size: string;
  image: string;
  classification: Classification;
  region?: string;
  userData?: string;
  tags?: Record<string, string>;
  /** Tenant networks to join instead of the target's default (`net-…`, all on one target). */
  networks?: string[];
}

export interface VmActionInput {
  type: VmActionType;
  mode?: 'soft' | 'hard';
  size?: string;
  name?: string;
  targetId?: string;
  host?: string;
}

export interface RequestContext {
  principal: Principal;
  requestId: string;
  /** The request's Idempotency-Key (creates bind it to the new resource). */
  idempotency?: IdempotencyScope;
}

export interface VmServiceDeps {
  catalogue: TargetCatalogue;
  images: ImageRepository;
  vms: VmRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  placement: PlacementEngine;
  providers: ProviderRegistry;
  clock: Clock;
  bindings: KeyBindings;
  /** Per-tenant, per-site quotas (docs/quotas.md); none: no quota is enforced. */
  quotas?: QuotaLedger;
  /** The tenant networks VMs may join; none: a VM naming a network is refused (404). */
  networks?: NetworkRepository;
}

export type ActionResult =
  | { kind: 'operation'; vm: Vm; operation: Operation }
  | { kind: 'console'; vm: Vm; console: ServerConsole };

/** Create, read, act on and delete VMs. Cloud work happens in operations the worker runs. */
export class VmService {
  readonly #deps: VmServiceDeps;
  readonly #claims: ResourceOperations<Vm>;

  constructor(deps: VmServiceDeps) {
    this.#deps = deps;
    this.#claims = new ResourceOperations({ ...deps, type: 'vm', resources: deps.vms });
  }

  /** At most one VM per Idempotency-Key, ever: a re-send after a crash gets the same VM (I4). */
  create(
    ctx: RequestContext,
    input: CreateVmInput,
  ): Promise<{ vm: Vm; operation: Operation; decision: PlacementDecision }> {
    return createOnce(this.#deps, {
      tenant: ctx.principal.tenant,
      ...(ctx.idempotency === undefined ? {} : { idempotency: ctx.idempotency }),
      prefix: 'vm',
      prepare: (ids, recorded) => this.#prepareCreate(ctx, input, ids, recorded),
      // Only a phi VM's user data is stashed on its target while preparing (storeUserData).
      preparesPurely: input.userData === undefined || input.classification !== 'phi',
      resources: this.#deps.vms,
      failed: (vm): Vm => ({ ...withoutActiveOperation(vm), status: 'error', task: undefined }),
      admit: (prepared) =>
        admitCreate(
          this.#deps.quotas,
          ctx.principal.tenant,
          prepared,
          vmDemand(this.#deps.catalogue, input.size),
        ),
    })
      .then(placed)
      .then(({ resource, operation, decision }) => ({ vm: resource, operation, decision }));
  }

  async #prepareCreate(
    ctx: RequestContext,
    input: CreateVmInput,
    ids: CreateIds,
    recorded: PlacementDecision | undefined,
  ): Promise<Created<Vm>> {
    const { catalogue, placement, clock } = this.#deps;
    const sourceImage = await brokerImage(this.#deps.images, ctx.principal, input);
    checkCatalogueNames(this.#deps.catalogue, input.size, sourceImage ? undefined : input.image);
    const networks = await networksForVm(this.#deps.networks, ctx.principal.tenant, input);
    let decision =
      recorded ??
      (await placement.decide({
        principal: ctx.principal,
        kind: 'vm',
        classification: input.classification,
        size: input.size,
        image: input.image,
        ...(input.region === undefined ? {} : { region: input.region }),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      }));
    if (sourceImage && !recorded)
      decision = pinnedDecision(decision, sourceImage.placement.targetId, "VMs boot on their image's target");
    if (!recorded) decision = placeOnNetworks(decision, networks);
    if (!decision.chosen) throw noTargetError(decision, catalogue, 'vm', input.classification, input.region);

    const vmId = ids.resourceId;
    const operation = operationFor(ctx, clock.now(), {
      id: ids.operationId,
      kind: 'vm.create',
      resource: { type: 'vm', id: vmId },
      firstStep: 'provision',
      placement: decision,
    });
    const now = clock.now().toISOString();
    const vm: Vm = {
      id: vmId,
      tenant: ctx.principal.tenant,
      name: input.name,
      size: input.size,
      image: input.image,
      classification: input.classification,
      ...(input.region === undefined ? {} : { region: input.region }),
      tags: input.tags ?? {},
      status: 'pending',
      task: 'provisioning',
      placement: decision.chosen,
      addresses: [],
      ...(networks.length > 0 ? { networks: networks.map((n) => n.id) } : {}),
      operationId: operation.id,
      activeOperationId: operation.id,
      createdAt: now,
      updatedAt: now,
    };
    if (input.userData !== undefined)
      vm.userData = await storeUserData(this.#deps.providers, vm, input.userData);
    return { resource: vm, operation, decision };
  }

  async get(principal: Principal, id: string): Promise<Vm> {
    return ownedOrNotFound('vm', id, this.#deps.vms.get(principal.tenant, id));
  }

  list(principal: Principal, filter: VmFilter, page: PageRequest): Promise<Page<Vm>> {
    return this.#deps.vms.list(principal.tenant, filter, page);
  }

  /** Designates (or stops designating) a VM as a service endpoint; who may is for policy to say. */
  async designateServiceEndpoint(principal: Principal, id: string, designated: boolean): Promise<Vm> {
    const vm = await this.get(principal, id);
    if (vm.status === 'deleted' || vm.status === 'deleting')
      throw new BrokerError('vm.invalidState', `VM ${id} is ${vm.status}`, {
        details: { status: vm.status },
      });
    return this.#deps.vms.update(vm.tenant, id, { serviceEndpoint: designated ? true : null });
  }

  /** The VM with where it runs inside its target (vm-hosting.ts). */
  async getWithHosting(principal: Principal, id: string): Promise<{ vm: Vm; hosting?: VmHosting }> {
    const vm = await this.get(principal, id);
    const hosting = await readVmHosting(vm, this.#deps.providers);
    return hosting ? { vm, hosting } : { vm };
  }

  async act(ctx: RequestContext, id: string, action: VmActionInput): Promise<ActionResult> {
    const vm = await this.get(ctx.principal, id);
    const rule = VM_ACTION_RULES[action.type];
    const spec = (found: Vm) => ({
      kind: `vm.${action.type}`,
      firstStep: 'request',
      input: actionInput(
        this.#deps.catalogue,
        found,
        action,
        this.#deps.providers.get(found.placement!.targetId).target.sizes,
      ),
    });
    // A console starts no operation, so its key has nothing to resume.
    const keyed =
      action.type === 'console'
        ? { kind: 'start' as const, operationId: '', bind: false }
        : await this.#resumeKeyed(ctx, vm, spec);
    if (keyed.kind === 'started')
      return { kind: 'operation', vm: keyed.resource, operation: keyed.operation };
    if (!rule.from.includes(vm.status))
      throw new BrokerError('vm.invalidState', `cannot ${action.type} a VM that is ${vm.status}`, {
        details: { status: vm.status, allowedFrom: rule.from },
      });
    const provider = vm.placement ? this.#deps.providers.get(vm.placement.targetId) : undefined;
    if (!provider || vm.cloudId === undefined)
      throw new BrokerError('vm.invalidState', `VM ${id} has no server yet`, {
        details: { status: vm.status },
      });
    if (action.type === 'migrate' && action.targetId !== undefined && action.targetId !== provider.target.id)
      await refuseCrossTargetMigration(this.#deps, ctx.principal, vm, action.targetId);
    if (rule.capability && !provider.capabilities.has(rule.capability))
      throw new BrokerError(
        'vm.actionUnsupported',
        `${action.type} is not supported on target ${provider.target.id}`,
        {
          details: { targetId: provider.target.id, cloud: provider.target.cloud },
        },
      );
    if (action.type === 'console') {
      return { kind: 'console', vm, console: await provider.compute.getConsole(vm.cloudId) };
    }
    const shown = { task: rule.task, ...(rule.transitional ? { status: rule.transitional } : {}) };
    if (action.type !== 'resize' || !this.#deps.quotas)
      return this.#startOperation(ctx, vm, keyed, spec(vm), shown);
    return this.#resizeWithinQuota(vm, action.size!, () =>
      this.#startOperation(ctx, vm, keyed, spec(vm), shown),
    );
  }

  /** A resize holds its new size from acceptance (growing needs room: 403 quota.exceeded); refused, it holds the old. */
  async #resizeWithinQuota<T>(vm: Vm, size: string, start: () => Promise<T>): Promise<T> {
    const { quotas, catalogue } = this.#deps;
    const site = vm.placement!.site;
    await quotas!.change(vm.tenant, site, vm.id, vmDemand(catalogue, size));
    try {
      return await start();
    } catch (error) {
      await quotas!.change(vm.tenant, site, vm.id, vmDemand(catalogue, vm.size), true);
      throw error;
    }
  }

  async delete(ctx: RequestContext, id: string): Promise<{ vm: Vm; operation: Operation }> {
    const vm = await this.get(ctx.principal, id);
    const spec = { kind: 'vm.delete', firstStep: 'deleteServer', input: {} };
    const keyed = await this.#resumeKeyed(ctx, vm, () => spec);
    if (keyed.kind === 'started') return { vm: keyed.resource, operation: keyed.operation };
    if (!DELETABLE_FROM.includes(vm.status))
      throw new BrokerError('vm.invalidState', `VM ${id} is already ${vm.status}`, {
        details: { status: vm.status },
      });
    return this.#startOperation(ctx, vm, keyed, spec, { status: 'deleting', task: 'deleting' });
  }

  /** What this request's Idempotency-Key already started on the VM, before its state is checked. */
  #resumeKeyed(ctx: RequestContext, vm: Vm, spec: (found: Vm) => OperationSpec) {
    return this.#claims.resumeKeyed(ctx, vm, spec);
  }

  async #startOperation(
    ctx: RequestContext,
    vm: Vm,
    keyed: { operationId: string; bind: boolean },
    spec: OperationSpec,
    shown: { status?: Vm['status']; task: string },
  ): Promise<{ kind: 'operation'; vm: Vm; operation: Operation }> {
    const { resource, operation } = await this.#claims.start(ctx, vm, keyed, spec, shown);
    return { kind: 'operation', vm: resource, operation };
  }
}

/** A resource record without its claim (for a record written after its operation already ended). */
export function withoutActiveOperation<R extends { activeOperationId?: string }>(resource: R): R {
  const { activeOperationId: _, ...rest } = resource;
  return rest as R;
}
