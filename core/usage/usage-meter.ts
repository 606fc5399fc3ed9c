import type { Bucket } from '../model/bucket.ts';
import type { LogicalSize } from '../model/target.ts';
import type { Vm, VmStatus } from '../model/vm.ts';
import type { Volume } from '../model/volume.ts';
import type { Clock } from '../ports/clock.ts';
import type { UsageRepository } from '../ports/usage.ts';
import { type MeteredState, type UsageRecord, usageRecordId } from './usage-record.ts';

/** What a VM in this status costs (docs/usage.md): its size while it holds it, its disk while stopped. */
export function meteredVmState(status: VmStatus, hasServer: boolean): MeteredState {
  switch (status) {
    case 'active':
    case 'paused':
    case 'resizing':
    case 'building':
    case 'deleting':
      return 'running';
    case 'stopped':
      return 'stopped';
    case 'error':
      return hasServer ? 'stopped' : 'gone';
    default:
      return 'gone';
  }
}

/**
 * Writes the usage record of a state change. Steps call it just before they write the change itself, so
 * a crash between the two re-runs the step, which writes the same record id again (a no-op): nothing is
 * lost and nothing counted twice, and the first observation's time stands.
 */
export class UsageMeter {
  readonly #records: UsageRepository;
  readonly #sizes: Readonly<Record<string, LogicalSize>>;
  readonly #clock: Clock;

  constructor(records: UsageRepository, sizes: Readonly<Record<string, LogicalSize>>, clock: Clock) {
    this.#records = records;
    this.#sizes = sizes;
    this.#clock = clock;
  }

  /** A VM reached `state` with `size` (the new size after a resize). */
  async vm(operationId: string, transition: string, vm: Vm, state: MeteredState, size = vm.size) {
    if (!vm.placement) return;
    const logical = this.#sizes[size];
    await this.#append({
      ...this.#base(operationId, transition, vm.tenant, vm.id, state, vm.placement),
      kind: 'vm',
      classification: vm.classification,
      size,
      ...(logical ? { vcpus: logical.vcpus, ramMiB: logical.ramMiB, diskGiB: logical.diskGiB } : {}),
    });
  }

  async volume(operationId: string, transition: string, volume: Volume, state: MeteredState) {
    if (!volume.placement) return;
    await this.#append({
      ...this.#base(operationId, transition, volume.tenant, volume.id, state, volume.placement),
      kind: 'volume',
      classification: volume.classification,
      diskGiB: volume.sizeGiB,
    });
  }

  /** A bucket exists with `bytes` (as its store reports them), or is gone. */
  async bucket(operationId: string, transition: string, bucket: Bucket, state: MeteredState, bytes = 0) {
    if (!bucket.placement) return;
    await this.#append({
      ...this.#base(operationId, transition, bucket.tenant, bucket.id, state, bucket.placement),
      kind: 'bucket',
      classification: bucket.classification,
      bytes,
    });
  }

  #base(
    operationId: string,
    transition: string,
    tenant: string,
    resourceId: string,
    state: MeteredState,
    placement: NonNullable<Vm['placement']>,
  ) {
    return {
      id: usageRecordId(operationId, transition),
      tenant,
      resourceId,
      at: this.#clock.now().toISOString(),
      state,
      targetId: placement.targetId,
      site: placement.site,
    };
  }

  async #append(record: UsageRecord): Promise<void> {
    await this.#records.append(record);
  }
}
