import type { Classification } from '../classification.ts';
import { BrokerError } from '../errors.ts';
import type { Network } from '../model/network.ts';
import type { Operation } from '../model/operation.ts';
import type { PlacementDecision } from '../model/placement.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import { type Created, type CreateIds, createOnce, placed } from '../operations/create-once.ts';
import { operationFor } from '../operations/new-operation.ts';
import { startOnClaimed } from '../operations/resource-operations.ts';
import { ownedOrNotFound } from '../owned.ts';
import { noTargetError } from '../placement/no-target-error.ts';
import type { KeyBindings } from '../ports/idempotency.ts';
import type { NetworkFilter, NetworkRepository } from '../ports/network-repository.ts';
import type { PlacementEngine } from '../ports/placement-engine.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository, Page, PageRequest } from '../ports/repositories.ts';
import { type RequestContext, withoutActiveOperation } from '../vms/vm-service.ts';
import { networkCidr } from './network-cidr.ts';

export interface CreateNetworkInput {
  name: string;
  classification: Classification;
  cidr: string;
  region?: string;
  tags?: Record<string, string>;
}

export interface NetworkServiceDeps {
  networks: NetworkRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  catalogue: TargetCatalogue;
  placement: PlacementEngine;
  clock: { now(): Date };
  bindings: KeyBindings;
  /** The ids of the tenant's live VMs that joined the network (a delete waits until there are none). */
  vmsOn(tenant: string, networkId: string): Promise<string[]>;
}

/** Tenant networks, placed by policy like any resource (a phi network lives only on-prem, I1). */
export class NetworkService {
  readonly #d: NetworkServiceDeps;

  constructor(deps: NetworkServiceDeps) {
    this.#d = deps;
  }

  /** At most one network per Idempotency-Key, ever: a re-send after a crash gets the same network (I4). */
  async create(
    ctx: RequestContext,
    input: CreateNetworkInput,
  ): Promise<{ network: Network; operation: Operation; decision: PlacementDecision }> {
    const cidr = networkCidr(input.cidr);
    const created = placed(
      await createOnce(this.#d, {
        tenant: ctx.principal.tenant,
        ...(ctx.idempotency === undefined ? {} : { idempotency: ctx.idempotency }),
        prefix: 'net',
        preparesPurely: true,
        prepare: (ids, recorded) => this.#prepareCreate(ctx, { ...input, cidr }, ids, recorded),
        resources: this.#d.networks,
        failed: (network): Network => ({ ...withoutActiveOperation(network), status: 'error' }),
      }),
    );
    return { network: created.resource, operation: created.operation, decision: created.decision };
  }

  async #prepareCreate(
    ctx: RequestContext,
    input: CreateNetworkInput,
    ids: CreateIds,
    recorded: PlacementDecision | undefined,
  ): Promise<Created<Network>> {
    const decision =
      recorded ??
      (await this.#d.placement.decide({
        principal: ctx.principal,
        kind: 'network',
        classification: input.classification,
        ...(input.region === undefined ? {} : { region: input.region }),
        ...(input.tags === undefined ? {} : { tags: input.tags }),
      }));
    if (!decision.chosen)
      throw noTargetError(decision, this.#d.catalogue, 'network', input.classification, input.region);
    const id = ids.resourceId;
    const operation = this.#operation(ctx, 'network.create', id, 'provision');
    operation.id = ids.operationId;
    operation.placement = decision;
    const at = this.#d.clock.now().toISOString();
    const network: Network = {
      id,
      tenant: ctx.principal.tenant,
      name: input.name,
      classification: input.classification,
      cidr: input.cidr,
      ...(input.region === undefined ? {} : { region: input.region }),
      tags: input.tags ?? {},
      status: 'pending',
      placement: decision.chosen,
      operationId: operation.id,
      activeOperationId: operation.id,
      createdAt: at,
      updatedAt: at,
    };
    return { resource: network, operation, decision };
  }

  get(principal: Principal, id: string): Promise<Network> {
    return ownedOrNotFound('network', id, this.#d.networks.get(principal.tenant, id));
  }

  list(principal: Principal, filter: NetworkFilter, page: PageRequest): Promise<Page<Network>> {
    return this.#d.networks.list(principal.tenant, filter, page);
  }

  /** Refused (409 `network.inUse`) while any of the tenant's VMs joined it: a VM never loses its network. */
  async delete(ctx: RequestContext, id: string) {
    const network = await this.get(ctx.principal, id);
    if (!['active', 'error'].includes(network.status))
      throw new BrokerError('network.invalidState', `network ${id} is ${network.status}`, {
        details: { status: network.status },
      });
    const vms = await this.#d.vmsOn(network.tenant, network.id);
    if (vms.length > 0)
      throw new BrokerError(
        'network.inUse',
        `network ${id} is used by ${vms.length} VM(s); delete them first`,
        {
          details: { vmIds: vms.slice(0, 20) },
        },
      );
    const operation = this.#operation(ctx, 'network.delete', id, 'deleteNetwork');
    return startOnClaimed(this.#d, this.#d.networks, network, operation, 'deleting');
  }

  #operation(ctx: RequestContext, kind: string, id: string, firstStep: string) {
    return operationFor(ctx, this.#d.clock.now(), {
      kind,
      resource: { type: 'network', id },
      firstStep,
      input: {},
    });
  }
}
