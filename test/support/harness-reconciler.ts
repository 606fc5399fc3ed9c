import { systemClock } from '../../core/ports/clock.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { Reconciler, type ReconcilerDeps } from '../../core/reconcile/reconciler.ts';
import type { Harness } from './broker-harness.ts';

/** A reconciler over a harness's stores and targets (VMs and volumes), with the given settings on top. */
export function harnessReconciler(h: Harness, options: Partial<ReconcilerDeps> = {}): Reconciler {
  return new Reconciler({
    vms: h.broker.stores.vms,
    volumes: h.broker.stores.volumes,
    operations: h.broker.stores.operations,
    queue: h.broker.queue,
    providers: h.broker.providers,
    clock: systemClock,
    log: silentLogger,
    ...options,
  });
}

/** A server made straight on a target, as a lost record would leave it: carrying a broker id and `tags`. */
export function strayServer(provider: CloudProvider, brokerId: string, tags: Record<string, string>) {
  return provider.compute.createServer({
    brokerId,
    name: brokerId,
    size: 'small',
    image: 'ubuntu-24.04',
    tags,
    clientToken: brokerId,
  });
}
