import { BrokerError } from '../../core/errors.ts';
import type { Vm } from '../../core/model/vm.ts';
import type { Page, VmPatch, VmRepository } from '../../core/ports/repositories.ts';

/**
 * VMs in memory, counting how they are read: the scale test holds a reconcile pass to paging through the
 * records (`scanLive`, `pageSize` a page) rather than one lookup per cloud server.
 */
export class MemoryVmRepository implements VmRepository {
  readonly #vms = new Map<string, Vm>();
  readonly reads = { scanPages: 0, gets: 0, findById: 0, updates: 0 };

  readonly pageSize: number;

  constructor(pageSize = 1000) {
    this.pageSize = pageSize;
  }

  async create(vm: Vm): Promise<void> {
    if (this.#vms.has(vm.id)) throw new BrokerError('vm.alreadyExists', `vm ${vm.id} exists`);
    this.#vms.set(vm.id, structuredClone(vm));
  }

  async get(tenant: string, id: string): Promise<Vm | undefined> {
    this.reads.gets += 1;
    const vm = this.#vms.get(id);
    return vm?.tenant === tenant ? structuredClone(vm) : undefined;
  }

  async findById(id: string): Promise<Vm | undefined> {
    this.reads.findById += 1;
    const vm = this.#vms.get(id);
    return vm && structuredClone(vm);
  }

  async list(): Promise<Page<Vm>> {
    throw new Error('not used by the reconciler');
  }

  async *scanLive(): AsyncIterable<Vm> {
    const live = [...this.#vms.values()].filter((vm) => vm.status !== 'deleted');
    for (let start = 0; start < live.length; start += this.pageSize) {
      this.reads.scanPages += 1;
      // A page crosses an await, as a store round trip does.
      await Promise.resolve();
      for (const vm of live.slice(start, start + this.pageSize)) yield structuredClone(vm);
    }
  }

  async update(
    tenant: string,
    id: string,
    patch: VmPatch,
    options: { expectActiveOperation?: string | null } = {},
  ): Promise<Vm> {
    this.reads.updates += 1;
    const vm = this.#vms.get(id);
    if (vm?.tenant !== tenant) throw new BrokerError('vm.notFound', `no vm with id ${id}`);
    const expected = options.expectActiveOperation;
    if (expected !== undefined && (vm.activeOperationId ?? null) !== expected)
      throw new BrokerError('vm.busy', `vm ${id} is busy`);
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) delete (vm as unknown as Record<string, unknown>)[field];
      else (vm as unknown as Record<string, unknown>)[field] = value;
    }
    vm.updatedAt = new Date().toISOString();
    return structuredClone(vm);
  }
}
