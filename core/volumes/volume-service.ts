import { STANDARD_VOLUME_TYPE } from '../catalogue/volume-types.ts';
import { type Classification, isAtLeast, taint } from '../classification.ts';
import { BrokerError, fieldError } from '../errors.ts';
import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { Volume, VolumeSnapshot } from '../model/volume.ts';
import { type Created, type CreateIds, createOnce, placed } from '../operations/create-once.ts';
import { operationFor } from '../operations/new-operation.ts';
import { ResourceOperations, startOnClaimed } from '../operations/resource-operations.ts';
import { ownedOrNotFound } from '../owned.ts';
import { noTargetError } from '../placement/no-target-error.ts';
import { pinnedDecision } from '../placement/pinned-decision.ts';
import type { FlowDecision, FlowPolicy } from '../ports/flow-policy.ts';
import type { KeyBindings } from '../ports/idempotency.ts';
import type { PlacementEngine } from '../ports/placement-engine.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { QuotaLedger } from '../ports/quota-ledger.ts';
import type { OperationRepository, Page, PageRequest, VmRepository } from '../ports/repositories.ts';
import type { SnapshotRepository, VolumeFilter, VolumeRepository } from '../ports/volume-repositories.ts';
import { admitCreate } from '../quotas/admission.ts';
import { type RequestContext, withoutActiveOperation } from '../vms/vm-service.ts';
import { requestExtend } from './volume-extend.ts';
import { checkVolumeType, type RetypeRequest, requestRetype } from './volume-retype.ts';

export interface CreateVolumeInput {
  name: string;
  sizeGiB: number;
  /** A logical volume type of the catalogue; absent: `standard`. */
  type?: string;
  classification: Classification;
  region?: string;
  tags?: Record<string, string>;
  /** Restore from one of the tenant's snapshots (on the snapshot's target). */
  snapshotId?: string;
}

export interface VolumeServiceDeps {
  catalogue: TargetCatalogue;
  volumes: VolumeRepository;
  snapshots: SnapshotRepository;
  vms: VmRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  placement: PlacementEngine;
  flows: FlowPolicy;
  clock: { now(): Date };
  bindings: KeyBindings;
  /** Per-tenant, per-site quotas (docs/quotas.md); none: no quota is enforced. */
  quotas?: QuotaLedger;
}

/** Block storage: volumes placed by policy, attached only within one target and only where policy allows. */
export class VolumeService {
  readonly #d: VolumeServiceDeps;
  readonly #claims: ResourceOperations<Volume>;

  constructor(deps: VolumeServiceDeps) {
    this.#d = deps;
    this.#claims = new ResourceOperations({ ...deps, type: 'volume', resources: deps.volumes });
  }

  /** At most one volume per Idempotency-Key, ever: a re-send after a crash gets the same volume (I4). */
  async create(
    ctx: RequestContext,
    input: CreateVolumeInput,
  ): Promise<{ volume: Volume; operation: Operation; decision: PlacementDecision }> {
    const created = placed(
      await createOnce(this.#d, {
        tenant: ctx.principal.tenant,
        ...(ctx.idempotency === undefined ? {} : { idempotency: ctx.idempotency }),
        prefix: 'vol',
        prepare: (ids, recorded) => this.#prepareCreate(ctx, input, ids, recorded),
        resources: this.#d.volumes,
        failed: (volume): Volume => ({ ...withoutActiveOperation(volume), status: 'error', task: undefined }),
        admit: (prepared) =>
          admitCreate(this.#d.quotas, ctx.principal.tenant, prepared, {
            volumes: 1,
            volumeGiB: input.sizeGiB,
          }),
      }),
    );
    return { volume: created.resource, operation: created.operation, decision: created.decision };
  }

  async #prepareCreate(
    ctx: RequestContext,
    input: CreateVolumeInput,
    ids: CreateIds,
    recorded: PlacementDecision | undefined,
  ): Promise<Created<Volume>> {
    const type = input.type ?? STANDARD_VOLUME_TYPE;
    checkVolumeType(this.#d.catalogue, type);
    const source =
      input.snapshotId === undefined ? undefined : await this.snapshot(ctx.principal, input.snapshotId);
    if (source && source.status !== 'available')
      throw new BrokerError('snapshot.invalidState', `snapshot ${source.id} is ${source.status}`, {
        details: { status: source.status },
      });
    if (source && !isAtLeast(input.classification, source.classification))
      throw fieldError(
        'body.classification',
        `a volume restored from a ${source.classification} snapshot is at least ${source.classification}`,
      );
    if (source && input.sizeGiB < source.sizeGiB)
      throw fieldError('body.sizeGiB', `at least the snapshot's ${source.sizeGiB} GiB`);
    let decision =
      recorded ??
      (await this.#d.placement.decide({
        principal: ctx.principal,
        kind: 'volume',
        classification: input.classification,
        volumeType: type,
        ...(input.region === undefined ? {} : { region: input.region }),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      }));
    if (source && !recorded)
      decision = pinnedDecision(
        decision,
        source.placement.targetId,
        "restores happen on the snapshot's target",
      );
    if (!decision.chosen)
      throw noTargetError(decision, this.#d.catalogue, 'volume', input.classification, input.region);
    const volumeId = ids.resourceId;
    const operation = this.#operation(ctx, 'volume.create', { type: 'volume', id: volumeId }, 'provision', {
      ...(source?.cloudId ? { snapshotCloudId: source.cloudId } : {}),
    });
    operation.id = ids.operationId;
    operation.placement = decision;
    const at = this.#d.clock.now().toISOString();
    const volume: Volume = {
      id: volumeId,
      tenant: ctx.principal.tenant,
      name: input.name,
      sizeGiB: input.sizeGiB,
      type,
      classification: input.classification,
      ...(input.region === undefined ? {} : { region: input.region }),
      tags: input.tags ?? {},
      status: 'pending',
      task: 'provisioning',
      placement: decision.chosen,
      ...(source ? { sourceSnapshotId: source.id } : {}),
      operationId: operation.id,
      activeOperationId: operation.id,
      createdAt: at,
      updatedAt: at,
    };
    return { resource: volume, operation, decision };
  }

  async get(principal: Principal, id: string): Promise<Volume> {
    return ownedOrNotFound('volume', id, this.#d.volumes.get(principal.tenant, id));
  }

  list(principal: Principal, filter: VolumeFilter, page: PageRequest): Promise<Page<Volume>> {
    return this.#d.volumes.list(principal.tenant, filter, page);
  }

  async delete(ctx: RequestContext, id: string) {
    const volume = await this.get(ctx.principal, id);
    const keyed = await this.#resumeKeyed(ctx, volume, 'volume.delete', 'deleteVolume', {});
    if (keyed.kind === 'started') return keyed;
    if (volume.attachment)
      throw new BrokerError('volume.attached', `detach volume ${id} from ${volume.attachment.vmId} first`);
    if (!['available', 'error', 'pending', 'creating'].includes(volume.status))
      throw new BrokerError('volume.invalidState', `volume ${id} is ${volume.status}`, {
        details: { status: volume.status },
      });
    return this.#claim(
      ctx,
      volume,
      keyed,
      'volume.delete',
      'deleteVolume',
      {},
      { status: 'deleting', task: 'deleting' },
    );
  }

  /**
   * Attaches to a VM. Policy is asked first (a phi volume never reaches a public-site VM: 403 naming the
   * policies); then the one-target rule; nothing changes unless both allow it.
   */
  async attach(ctx: RequestContext, id: string, vmId: string) {
    const volume = await this.get(ctx.principal, id);
    const vm = await this.#d.vms.get(ctx.principal.tenant, vmId);
    if (!vm)
      throw new BrokerError('vm.notFound', `no VM with id ${vmId}`, {
        fieldIssues: [{ field: 'body.vmId', message: 'no such VM' }],
      });
    const vmTarget = vm.placement && this.#d.catalogue.targets.find((t) => t.id === vm.placement!.targetId);
    if (!vmTarget || vm.cloudId === undefined)
      throw new BrokerError('vm.invalidState', `VM ${vmId} has no server yet`);
    const verdict = this.#d.flows.attach({
      principal: ctx.principal,
      volume: { classification: volume.classification },
      vm: { classification: vm.classification },
      target: vmTarget,
    });
    if (!verdict.permitted)
      throw denied(
        'attach',
        verdict,
        `attaching a ${volume.classification} volume to a VM on ${vmTarget.id} is denied`,
      );
    if (volume.placement?.targetId !== vmTarget.id)
      throw new BrokerError(
        'volume.targetMismatch',
        `volume is on ${volume.placement?.targetId}, the VM on ${vmTarget.id}; attachments stay within one target`,
      );
    const keyed = await this.#resumeKeyed(ctx, volume, 'volume.attach', 'attach', { vmId });
    if (keyed.kind === 'started') return { ...keyed, verdict };
    if (volume.status !== 'available')
      throw new BrokerError('volume.invalidState', `volume ${id} is ${volume.status}`, {
        details: { status: volume.status },
      });
    if (!['active', 'stopped'].includes(vm.status))
      throw new BrokerError('vm.invalidState', `cannot attach to a VM that is ${vm.status}`, {
        details: { status: vm.status },
      });
    return {
      ...(await this.#claim(
        ctx,
        volume,
        keyed,
        'volume.attach',
        'attach',
        { vmId },
        { status: 'attaching', task: 'attaching' },
      )),
      verdict,
    };
  }

  async detach(ctx: RequestContext, id: string) {
    const volume = await this.get(ctx.principal, id);
    const from = { vmId: volume.attachment?.vmId ?? '' };
    const keyed = await this.#resumeKeyed(ctx, volume, 'volume.detach', 'detach', from);
    if (keyed.kind === 'started') return keyed;
    if (volume.status !== 'in-use' || !volume.attachment)
      throw new BrokerError('volume.invalidState', `volume ${id} is ${volume.status}, not attached`, {
        details: { status: volume.status },
      });
    return this.#claim(
      ctx,
      volume,
      keyed,
      'volume.detach',
      'detach',
      { vmId: volume.attachment.vmId },
      { status: 'detaching', task: 'detaching' },
    );
  }

  /** Grows a volume (attached or not); volumes never shrink. */
  async extend(ctx: RequestContext, id: string, sizeGiB: number) {
    return requestExtend(this.#d.quotas, this.#claims, ctx, await this.get(ctx.principal, id), sizeGiB);
  }

  /** Changes a volume's type on its target; naming another target is refused (see volume-retype.ts). */
  async retype(ctx: RequestContext, id: string, request: RetypeRequest) {
    return requestRetype(this.#d, this.#claims, ctx, await this.get(ctx.principal, id), request);
  }

  /**
   * Snapshots a volume; the snapshot is classified at least as high as the volume (taint). At most one
   * snapshot per Idempotency-Key, ever (I4).
   */
  async createSnapshot(
    ctx: RequestContext,
    id: string,
    name: string,
    origin: { backupPolicyId?: string } = {},
  ) {
    const created = await createOnce(this.#d, {
      tenant: ctx.principal.tenant,
      ...(ctx.idempotency === undefined ? {} : { idempotency: ctx.idempotency }),
      prefix: 'snap',
      prepare: async (ids) => {
        const prepared = await this.#prepareSnapshot(ctx, id, name, ids);
        if (origin.backupPolicyId) prepared.resource.backupPolicyId = origin.backupPolicyId;
        return prepared;
      },
      resources: this.#d.snapshots,
      failed: (snapshot): VolumeSnapshot => ({ ...withoutActiveOperation(snapshot), status: 'error' }),
      admit: (prepared) => admitCreate(this.#d.quotas, ctx.principal.tenant, prepared, { snapshots: 1 }),
    });
    return { snapshot: created.resource, operation: created.operation };
  }

  async #prepareSnapshot(
    ctx: RequestContext,
    id: string,
    name: string,
    ids: CreateIds,
  ): Promise<Created<VolumeSnapshot>> {
    const volume = await this.get(ctx.principal, id);
    if (!['available', 'in-use'].includes(volume.status) || !volume.placement || volume.cloudId === undefined)
      throw new BrokerError('volume.invalidState', `cannot snapshot a volume that is ${volume.status}`, {
        details: { status: volume.status },
      });
    const snapshotId = ids.resourceId;
    const operation = this.#operation(
      ctx,
      'snapshot.create',
      { type: 'volume', id: snapshotId },
      'createSnapshot',
      {
        volumeId: volume.id,
        volumeCloudId: volume.cloudId,
      },
    );
    operation.id = ids.operationId;
    const at = this.#d.clock.now().toISOString();
    const snapshot: VolumeSnapshot = {
      id: snapshotId,
      tenant: volume.tenant,
      volumeId: volume.id,
      name,
      sizeGiB: volume.sizeGiB,
      classification: taint(volume.classification),
      status: 'pending',
      placement: volume.placement,
      operationId: operation.id,
      activeOperationId: operation.id,
      createdAt: at,
      updatedAt: at,
    };
    return { resource: snapshot, operation };
  }

  async snapshot(principal: Principal, id: string): Promise<VolumeSnapshot> {
    return ownedOrNotFound('snapshot', id, this.#d.snapshots.get(principal.tenant, id));
  }

  async listSnapshots(
    principal: Principal,
    volumeId: string,
    page: PageRequest,
  ): Promise<Page<VolumeSnapshot>> {
    await this.get(principal, volumeId);
    return this.#d.snapshots.listByVolume(principal.tenant, volumeId, page);
  }

  async deleteSnapshot(ctx: RequestContext, id: string) {
    const snapshot = await this.snapshot(ctx.principal, id);
    if (!['available', 'error'].includes(snapshot.status))
      throw new BrokerError('snapshot.invalidState', `snapshot ${id} is ${snapshot.status}`, {
        details: { status: snapshot.status },
      });
    const operation = this.#operation(ctx, 'snapshot.delete', { type: 'volume', id }, 'deleteSnapshot', {});
    return startOnClaimed(this.#d, this.#d.snapshots, snapshot, operation, 'deleting');
  }

  /** What this request's Idempotency-Key already started on the volume, before its state is checked. */
  #resumeKeyed(
    ctx: RequestContext,
    volume: Volume,
    kind: string,
    firstStep: string,
    input: Record<string, string>,
  ) {
    return this.#claims.resumeKeyed(ctx, volume, () => ({ kind, firstStep, input }));
  }

  #claim(
    ctx: RequestContext,
    volume: Volume,
    keyed: { operationId: string; bind: boolean },
    kind: string,
    firstStep: string,
    input: Record<string, string>,
    shown: { status: Volume['status']; task: string },
  ) {
    return this.#claims.start(ctx, volume, keyed, { kind, firstStep, input }, shown);
  }

  #operation(
    ctx: RequestContext,
    kind: string,
    resource: Operation['resource'],
    firstStep: string,
    input: Record<string, string>,
  ) {
    return operationFor(ctx, this.#d.clock.now(), { kind, resource, firstStep, input });
  }
}

/** A policy denial of a flow, naming the policies that decided (docs/design.md: 403 naming the denying policies). */
export function denied(flow: string, verdict: FlowDecision, message: string): BrokerError {
  return new BrokerError(`${flow}.denied`, message, {
    details: { policies: verdict.policies, reasons: verdict.reasons },
  });
}
