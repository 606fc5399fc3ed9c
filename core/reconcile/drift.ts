import type { Vm, VmStatus } from '../model/vm.ts';
import type { Volume, VolumeStatus } from '../model/volume.ts';
import type { CloudVolume } from '../ports/cloud/block-storage.ts';
import type { CloudServer, ServerState } from '../ports/cloud/compute.ts';

/**
 * What changed behind the broker's back, found by comparing a target's inventory with the broker's
 * records: `status` (stopped, started, paused, broken), `size` (resized to another catalogue size),
 * `missing` (the cloud resource is gone), `detached` (a volume the broker attached is no longer attached).
 */
export type DriftKind = 'status' | 'size' | 'missing' | 'detached';

export interface Drift {
  kind: DriftKind;
  /** The value the record held, and the one the cloud shows (what the record becomes). */
  from: string;
  to: string;
}

/** Record statuses nothing is moving on: the only ones a difference with the cloud can be drift in. */
const SETTLED_VM: ReadonlySet<VmStatus> = new Set(['active', 'stopped', 'paused', 'error']);

/**
 * Server states that are an end in themselves. Transitional ones (building, rebooting, resizing, waiting
 * for a resize confirmation, migrating, deleting) are left for a later pass: the change may still be
 * someone's work in progress, and its end state is what the record should show.
 */
const SETTLED_SERVER: Partial<Record<ServerState, VmStatus>> = {
  active: 'active',
  stopped: 'stopped',
  paused: 'paused',
  error: 'error',
};

/** How a settled VM differs from its server (undefined: it does not, or not in a way to act on yet). */
export function serverDrift(vm: Vm, server: CloudServer, sizes: Record<string, string>): Drift | undefined {
  if (!SETTLED_VM.has(vm.status)) return undefined;
  // A VM already in error keeps its fault: marking it again would only repeat the event every pass.
  if (server.state === 'deleted')
    return vm.status === 'error' ? undefined : { kind: 'missing', from: vm.status, to: 'error' };
  const status = SETTLED_SERVER[server.state];
  if (status === undefined) return undefined;
  if (status !== vm.status) return { kind: 'status', from: vm.status, to: status };
  const size = server.sizeRef === undefined ? undefined : logicalSizeOf(sizes, server.sizeRef);
  // A flavor outside the catalogue has no logical name to record: left as it is.
  if (size !== undefined && size !== vm.size) return { kind: 'size', from: vm.size, to: size };
  return undefined;
}

/** The catalogue's logical size whose cloud size is `sizeRef` on this target. */
export function logicalSizeOf(sizes: Record<string, string>, sizeRef: string): string | undefined {
  return Object.entries(sizes).find(([, ref]) => ref === sizeRef)?.[0];
}

const SETTLED_VOLUME: ReadonlySet<VolumeStatus> = new Set(['available', 'in-use', 'error']);

/**
 * How a settled volume differs from the cloud's: detached behind the broker's back (its record says
 * `in-use`, the cloud shows no attachment and `available`), or broken. Attachments made outside the broker
 * are not adopted — the broker cannot know which of its VMs, if any, the server is.
 */
export function volumeDrift(volume: Volume, cloud: CloudVolume): Drift | undefined {
  if (!SETTLED_VOLUME.has(volume.status)) return undefined;
  if (cloud.state === 'deleted')
    return volume.status === 'error' ? undefined : { kind: 'missing', from: volume.status, to: 'error' };
  if (volume.status === 'in-use' && cloud.state === 'available' && cloud.attachments.length === 0)
    return { kind: 'detached', from: 'in-use', to: 'available' };
  if (volume.status !== 'error' && cloud.state === 'error')
    return { kind: 'status', from: volume.status, to: 'error' };
  return undefined;
}
