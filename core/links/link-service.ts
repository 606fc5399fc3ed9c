import { BrokerError, fieldError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Link, LinkDestination, LinkProtocol, LinkSource } from '../model/link.ts';
import type { Operation } from '../model/operation.ts';
import type { Principal } from '../model/principal.ts';
import type { TargetCatalogue } from '../model/target.ts';
import type { Vm } from '../model/vm.ts';
import { operationFor } from '../operations/new-operation.ts';
import { ownedOrNotFound } from '../owned.ts';
import type { FlowDecision, FlowPolicy, LinkEndpoint } from '../ports/flow-policy.ts';
import type { LinkRepository } from '../ports/link-repository.ts';
import type { OperationRef } from '../ports/queue.ts';
import type { OperationRepository, Page, PageRequest, VmRepository } from '../ports/repositories.ts';
import type { RequestContext } from '../vms/vm-service.ts';
import { denied } from '../volumes/volume-service.ts';
import { checkCidr, isInternet } from './cidr.ts';

export interface CreateLinkInput {
  /** A VM, or a network for an inbound link (then `to` is a VM). */
  from: LinkSource;
  to: LinkDestination;
  /** A single port (tcp, udp)… */
  port?: number;
  /** …or a range of them. */
  ports?: { from: number; to: number };
  protocol: LinkProtocol;
}

export interface LinkServiceDeps {
  catalogue: TargetCatalogue;
  links: LinkRepository;
  vms: VmRepository;
  operations: OperationRepository;
  flows: FlowPolicy;
  /** Runs an operation now, in this request (links answer synchronously; a crash leaves it to resume). */
  runNow: (ref: OperationRef) => Promise<void>;
  clock: { now(): Date };
}

const LINKABLE = ['active', 'stopped', 'paused'];

/** Controlled cross-network flows: evaluated by policy, programmed as security-group rules on both ends. */
export class LinkService {
  readonly #d: LinkServiceDeps;

  constructor(deps: LinkServiceDeps) {
    this.#d = deps;
  }

  async create(
    ctx: RequestContext,
    input: CreateLinkInput,
  ): Promise<{ link: Link; operation: Operation; verdict: FlowDecision }> {
    const { port, portTo } = portsOf(input);
    const inbound = 'cidr' in input.from;
    if (inbound && 'cidr' in input.to)
      throw fieldError('body.to', 'a link from a network goes to a VM: { "vmId": … }');
    // The link's VM end: the sender, or for an inbound link the receiver.
    const vmEnd = 'vmId' in input.from ? input.from : (input.to as { vmId: string });
    const vmField = inbound ? 'body.to.vmId' : 'body.from.vmId';
    const from = await this.#vm(ctx.principal, vmEnd.vmId, vmField);
    const fromTarget = this.#target(from);
    const other = inbound ? input.from : input.to;
    const otherField = inbound ? 'body.from' : 'body.to';
    let destination: LinkEndpoint;
    let stored: { from: LinkSource; to: LinkDestination };
    if ('vmId' in other) {
      if (other.vmId === from.id) throw fieldError('body.to.vmId', 'a link joins two different VMs');
      const to = await this.#vm(ctx.principal, other.vmId, 'body.to.vmId');
      destination = {
        kind: 'vm',
        classification: to.classification,
        target: this.#target(to),
        tenant: to.tenant,
        // The admin's designation, never the VM's own tags (which its app sets).
        serviceEndpoint: to.serviceEndpoint === true,
      };
      stored = { from: { vmId: from.id }, to: { vmId: to.id } };
    } else {
      const parsed = checkCidr(other.cidr);
      if (!parsed.ok) throw fieldError(`${otherField}.cidr`, parsed.reason);
      // Stored and programmed in its canonical form, so the rule read back from the cloud matches it.
      const cidr = parsed.cidr.text;
      destination = { kind: 'cidr', cidr, internet: isInternet(parsed.cidr) };
      stored = inbound
        ? { from: { cidr }, to: { vmId: from.id } }
        : { from: { vmId: from.id }, to: { cidr } };
    }
    const verdict = this.#d.flows.link({
      principal: ctx.principal,
      from: { classification: from.classification, target: fromTarget, tenant: from.tenant },
      to: destination,
      port,
      ...(portTo === undefined ? {} : { portTo }),
      protocol: input.protocol,
      direction: inbound ? 'inbound' : 'outbound',
    });
    const name = (end: LinkSource) => ('vmId' in end ? `VM ${end.vmId}` : end.cidr);
    if (!verdict.permitted)
      throw denied(
        'link',
        verdict,
        `a ${input.protocol} link from ${name(stored.from)} to ${name(stored.to)} is denied`,
      );

    const at = this.#d.clock.now().toISOString();
    const link: Link = {
      id: newId('lnk'),
      tenant: ctx.principal.tenant,
      ...stored,
      port,
      ...(portTo === undefined ? {} : { portTo }),
      protocol: input.protocol,
      status: 'programming',
      policies: verdict.policies,
      programmed: [],
      createdAt: at,
      updatedAt: at,
    };
    const operation = this.#operation(ctx, 'link.create', link.id, 'program');
    await this.#d.operations.create(operation);
    await this.#d.links.create(link);
    return { ...(await this.#run(link, operation)), verdict };
  }

  async get(principal: Principal, id: string): Promise<Link> {
    return ownedOrNotFound('link', id, this.#d.links.get(principal.tenant, id));
  }

  list(principal: Principal, filter: { vmId?: string }, page: PageRequest): Promise<Page<Link>> {
    return this.#d.links.list(principal.tenant, filter, page);
  }

  /** Removes exactly the rules (and the groups holding them) that the link programmed. */
  async delete(ctx: RequestContext, id: string): Promise<{ link: Link; operation: Operation }> {
    const link = await this.get(ctx.principal, id);
    if (link.status === 'deleted' || link.status === 'deleting')
      throw new BrokerError('link.invalidState', `link ${id} is already ${link.status}`, {
        details: { status: link.status },
      });
    const operation = this.#operation(ctx, 'link.delete', id, 'unprogram');
    await this.#d.operations.create(operation);
    await this.#d.links.update(link.tenant, id, { status: 'deleting' });
    return this.#run(link, operation);
  }

  async #run(link: Link, operation: Operation): Promise<{ link: Link; operation: Operation }> {
    await this.#d.runNow({ tenant: link.tenant, operationId: operation.id });
    const done = (await this.#d.operations.get(link.tenant, operation.id)) ?? operation;
    const current = (await this.#d.links.get(link.tenant, link.id)) ?? link;
    if (done.status === 'failed')
      throw new BrokerError(
        done.error?.code ?? 'link.failed',
        done.error?.message ?? 'link programming failed',
        {
          details: { linkId: link.id, operationId: done.id },
        },
      );
    return { link: current, operation: done };
  }

  async #vm(principal: Principal, id: string, field: string): Promise<Vm> {
    const vm = await this.#d.vms.get(principal.tenant, id);
    if (!vm)
      throw new BrokerError('vm.notFound', `no VM with id ${id}`, {
        fieldIssues: [{ field, message: 'no such VM' }],
      });
    if (!LINKABLE.includes(vm.status) || vm.addresses.length === 0 || vm.cloudId === undefined)
      throw new BrokerError(
        'vm.invalidState',
        `VM ${id} is ${vm.status}; links need a running VM with an address`,
        { details: { status: vm.status } },
      );
    return vm;
  }

  #target(vm: Vm) {
    const target = this.#d.catalogue.targets.find((t) => t.id === vm.placement?.targetId);
    if (!target) throw new BrokerError('vm.unplaced', `VM ${vm.id} has no target`);
    return target;
  }

  #operation(ctx: RequestContext, kind: string, id: string, firstStep: string): Operation {
    return operationFor(ctx, this.#d.clock.now(), {
      kind,
      resource: { type: 'link', id },
      firstStep,
      deadlineMs: 5 * 60_000,
    });
  }
}

/** The port (0 for icmp) and, for a range wider than one port, its last port. */
function portsOf(input: CreateLinkInput): { port: number; portTo?: number } {
  if (input.port !== undefined && input.ports !== undefined)
    throw fieldError('body.ports', 'give either port or ports, not both');
  if (input.protocol === 'icmp') {
    if (input.port !== undefined || input.ports !== undefined)
      throw fieldError(input.port === undefined ? 'body.ports' : 'body.port', 'icmp links have no port');
    return { port: 0 };
  }
  if (input.ports !== undefined) {
    if (input.ports.from > input.ports.to)
      throw fieldError(
        'body.ports',
        `the range starts after it ends (${input.ports.from} > ${input.ports.to})`,
      );
    return input.ports.from === input.ports.to
      ? { port: input.ports.from }
      : { port: input.ports.from, portTo: input.ports.to };
  }
  if (input.port === undefined) throw fieldError('body.port', `${input.protocol} links need a port or ports`);
  return { port: input.port };
}
