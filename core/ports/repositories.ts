import type { Classification } from '../classification.ts';
import type { Operation, OperationStatus } from '../model/operation.ts';
import type { Vm, VmStatus } from '../model/vm.ts';

/** One page of a list: `nextCursor` is opaque and absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
  /**
   * The tenant asking, for lists that are not one tenant's own (the audit trail): its cursors are bound to
   * it. Tenant lists bind theirs to their tenant anyway.
   */
  viewer?: string;
}

export interface VmFilter {
  status?: VmStatus;
  targetId?: string;
  classification?: Classification;
  /** Case-sensitive name prefix. */
  namePrefix?: string;
  /** Deleted VMs are hidden unless asked for (or filtered by status `deleted`). */
  includeDeleted?: boolean;
}

/**
 * Fields of a VM that operations change; everything else is fixed at creation. `undefined` leaves a field
 * as it is; `null` clears an optional one.
 */
export type VmPatch = Partial<
  Pick<Vm, 'status' | 'placement' | 'addresses' | 'size' | 'operationId' | 'classification'>
> & {
  task?: string | null;
  cloudId?: string | null;
  fault?: string | null;
  userData?: Vm['userData'] | null;
  activeOperationId?: string | null;
  serviceEndpoint?: boolean | null;
  publicAddresses?: Vm['publicAddresses'] | null;
};

export interface VmRepository {
  /** Fails with `vm.alreadyExists` when the id is taken. */
  create(vm: Vm): Promise<void>;
  get(tenant: string, id: string): Promise<Vm | undefined>;
  /** Any tenant's VM by id (reconciler, admin); eventually consistent. */
  findById(id: string): Promise<Vm | undefined>;
  list(tenant: string, filter: VmFilter, page: PageRequest): Promise<Page<Vm>>;
  /** Every VM not `deleted`, across tenants, a page at a time (the reconciler); eventually consistent. */
  scanLive(): AsyncIterable<Vm>;
  /**
   * Applies a patch. With `expectActiveOperation`, succeeds only if the VM's active operation is that id
   * (or, with `null`, if none is active); otherwise fails with `vm.busy`.
   */
  update(
    tenant: string,
    id: string,
    patch: VmPatch,
    options?: { expectActiveOperation?: string | null },
  ): Promise<Vm>;
}

export interface OperationRepository {
  /** Fails with `operation.alreadyExists` when the id is taken. */
  create(op: Operation): Promise<void>;
  get(tenant: string, id: string): Promise<Operation | undefined>;
  /** Writes `op` if the stored version still equals `op.version`; returns it with the version bumped. */
  save(op: Operation): Promise<Operation>;
  /** Unfinished operations across tenants, oldest first (for resuming after a crash). */
  listUnfinished(limit: number): Promise<Operation[]>;
}

/** Filters of the tenant's operations feed; `since`/`until` bound `createdAt` (ISO 8601, inclusive). */
export interface OperationFilter {
  status?: OperationStatus;
  kind?: string;
  resourceId?: string;
  since?: string;
  until?: string;
}

/** A tenant's operations, newest first (GET /v1/operations). */
export interface OperationFeed {
  list(tenant: string, filter: OperationFilter, page: PageRequest): Promise<Page<Operation>>;
}
