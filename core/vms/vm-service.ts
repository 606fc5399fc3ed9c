import { sha256Hex } from '../audit/hash-chain.ts';
import { type Classification, isAtLeast } from '../classification.ts';
import { BrokerError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Image } from '../model/image.ts';
import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { PayloadRef, Vm, VmActionType } from '../model/vm.ts';
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
      // Only a phi VM's user data is stashed on its target while preparing (#storeUserData).
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
    const sourceImage = await this.#brokerImage(ctx.principal, input);
    this.#checkCatalogueNames(input.size, sourceImage ? undefined : input.image);
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
    if (input.userData !== undefined) vm.userData = await this.#storeUserData(vm, input.userData);
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
      input: this.#actionInput(
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
      await this.#refuseCrossTargetMigration(ctx, vm, action.targetId);
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

  #actionInput(vm: Vm, action: VmActionInput, targetSizes: Record<string, string>): Record<string, string> {
    switch (action.type) {
      case 'resize': {
        if (action.size === undefined) throw fieldError('body.size', 'resize needs a size');
        this.#checkCatalogueNames(action.size, undefined);
        if (!(action.size in targetSizes))
          throw fieldError(
            'body.size',
            `size ${action.size} is not offered on target ${vm.placement?.targetId}`,
          );
        if (action.size === vm.size) throw fieldError('body.size', `VM is already ${vm.size}`);
        // What the VM held before, so a failed resize gives back exactly the difference.
        const fromDemand = JSON.stringify(vmDemand(this.#deps.catalogue, vm.size));
        return { size: action.size, fromSize: vm.size, fromDemand };
      }
      case 'snapshot':
        return { name: action.name ?? `${vm.name}-snapshot`, imageId: newId('img') };
      case 'reboot':
        return { mode: action.mode ?? 'soft' };
      case 'migrate':
        return { ...(action.host === undefined ? {} : { host: action.host }) };
      default:
        return {};
    }
  }

  /**
   * Moving a VM to another target is a placement: policy decides first (a phi VM never goes to a public
   * target: 403 naming the policies). A permitted move still cannot be a live migration between clouds,
   * so it is refused (422) with the way to do it: snapshot, copy the image, boot it there.
   */
  async #refuseCrossTargetMigration(ctx: RequestContext, vm: Vm, targetId: string): Promise<never> {
    const target = this.#deps.catalogue.targets.find((t) => t.id === targetId);
    if (!target) throw fieldError('body.targetId', `no target ${targetId}`);
    const decision = await this.#deps.placement.decide({
      principal: ctx.principal,
      kind: 'vm',
      classification: vm.classification,
      size: vm.size,
      ...(vm.image.startsWith('img-') ? {} : { image: vm.image }),
      tags: vm.tags,
    });
    const verdict = decision.candidates.find((c) => c.targetId === targetId);
    if (!verdict?.permitted)
      throw new BrokerError('migrate.denied', `moving a ${vm.classification} VM to ${targetId} is denied`, {
        details: {
          policies: verdict?.policies ?? [],
          reasons: verdict?.reasons ?? ['the target cannot host this VM'],
        },
      });
    throw new BrokerError(
      'migrate.unsupported',
      `live migration stays within a target; to move to ${targetId}, snapshot the VM, copy the image there and boot it`,
      { details: { from: vm.placement?.targetId, to: targetId } },
    );
  }

  /**
   * A VM booted from one of the broker's images (`img-…`) carries at least the image's classification
   * (taint) and runs on the image's target.
   */
  async #brokerImage(principal: Principal, input: CreateVmInput): Promise<Image | undefined> {
    if (!input.image.startsWith('img-')) return undefined;
    const image = await this.#deps.images.get(principal.tenant, input.image);
    if (!image) throw fieldError('body.image', `no image ${input.image}`);
    if (image.status !== 'available') throw fieldError('body.image', `image ${image.id} is ${image.status}`);
    if (!isAtLeast(input.classification, image.classification))
      throw fieldError(
        'body.classification',
        `a VM booted from a ${image.classification} image is at least ${image.classification}`,
      );
    return image;
  }

  #checkCatalogueNames(size: string | undefined, image: string | undefined): void {
    const { catalogue } = this.#deps;
    if (size !== undefined && !(size in catalogue.sizes))
      throw fieldError('body.size', `unknown size; one of ${Object.keys(catalogue.sizes).join(', ')}`);
    if (image !== undefined && !(image in catalogue.images))
      throw fieldError('body.image', `unknown image; one of ${Object.keys(catalogue.images).join(', ')}`);
  }

  async #storeUserData(vm: Vm, userData: string): Promise<PayloadRef> {
    const sha256 = sha256Hex(userData);
    if (vm.classification !== 'phi') return { storedIn: 'control-plane', sha256, data: userData };
    // PHI payloads go only to the on-prem target (I2): stash them there and keep the hash.
    const targetId = vm.placement!.targetId;
    const payloads = this.#deps.providers.get(targetId).payloads;
    if (!payloads)
      throw new BrokerError('vm.userDataUnsupported', `target ${targetId} cannot hold phi user data`);
    const key = `userdata/${vm.id}`;
    await payloads.put(key, new TextEncoder().encode(userData));
    return { storedIn: 'target', sha256, targetId, key };
  }
}

/** A resource record without its claim (for a record written after its operation already ended). */
export function withoutActiveOperation<R extends { activeOperationId?: string }>(resource: R): R {
  const { activeOperationId: _, ...rest } = resource;
  return rest as R;
}

export function fieldError(field: string, message: string): BrokerError {
  return new BrokerError('request.invalid', `${field}: ${message}`, { fieldIssues: [{ field, message }] });
}
