import { BrokerError, isBrokerError } from '../errors.ts';
import type { VolumeSnapshot } from '../model/volume.ts';
import type { CloudSnapshot } from '../ports/cloud/block-storage.ts';
import { deleteAndSettle, isGone } from './ambiguous-delete.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { stepAttempt } from './vm-steps-common.ts';

/** snapshot.create / snapshot.delete on the volume's target, with lookup-before-create by broker id. */
export const snapshotLifecycle: OperationDefinition = {
  kinds: ['snapshot.create', 'snapshot.delete'],
  steps: { createSnapshot, deleteSnapshot, awaitSettled },
  async onFailed(ctx, error) {
    const snapshot = await ctx.deps.snapshots.get(ctx.op.tenant, ctx.op.resource.id);
    if (!snapshot) return;
    // A delete whose effect happened is a succeeded delete, however the operation ended.
    const cloudId = snapshot.cloudId;
    const deleted =
      ctx.op.kind === 'snapshot.delete' &&
      (cloudId === undefined || (await isGone(() => storage(ctx, snapshot).getSnapshot(cloudId))) === true);
    await ctx.deps.snapshots.update(snapshot.tenant, snapshot.id, {
      status: deleted ? 'deleted' : 'error',
      ...(deleted ? {} : { fault: error.message }),
      activeOperationId: null,
    });
    // A snapshot that exists in the cloud keeps holding its quota until it is deleted.
    if (deleted || cloudId === undefined) await ctx.deps.quotas?.release(snapshot.tenant, snapshot.id);
  },
};

async function load(ctx: StepContext): Promise<VolumeSnapshot> {
  const snapshot = await ctx.deps.snapshots.get(ctx.op.tenant, ctx.op.resource.id);
  if (!snapshot) throw new BrokerError('snapshot.missing', `snapshot ${ctx.op.resource.id} has no record`);
  return snapshot;
}

const storage = (ctx: StepContext, snapshot: VolumeSnapshot) =>
  ctx.deps.providers.get(snapshot.placement.targetId).blockStorage;

async function createSnapshot(ctx: StepContext): Promise<StepOutcome> {
  const snapshot = await load(ctx);
  const blockStorage = storage(ctx, snapshot);
  const cloud =
    (await blockStorage.findSnapshotByBrokerId(snapshot.id)) ??
    (await blockStorage.createSnapshot(ctx.op.input.volumeCloudId!, {
      brokerId: snapshot.id,
      name: snapshot.name,
    }));
  await ctx.deps.snapshots.update(snapshot.tenant, snapshot.id, { cloudId: cloud.id, status: 'creating' });
  return { type: 'next', step: 'awaitSettled', note: `snapshot ${cloud.id}` };
}

async function deleteSnapshot(ctx: StepContext): Promise<StepOutcome> {
  const snapshot = await load(ctx);
  const cloudId = snapshot.cloudId;
  if (cloudId) {
    const blockStorage = storage(ctx, snapshot);
    await deleteAndSettle(
      () => blockStorage.deleteSnapshot(cloudId),
      () => blockStorage.getSnapshot(cloudId),
    );
  }
  // Gone or going, awaitSettled sees it and finishes.
  return { type: 'next', step: 'awaitSettled' };
}

async function awaitSettled(ctx: StepContext): Promise<StepOutcome> {
  const snapshot = await load(ctx);
  const deleting = ctx.op.kind === 'snapshot.delete';
  let cloud: CloudSnapshot | undefined;
  try {
    cloud = snapshot.cloudId ? await storage(ctx, snapshot).getSnapshot(snapshot.cloudId) : undefined;
  } catch (error) {
    if (!(deleting && isBrokerError(error, 'notFound'))) throw error;
  }
  if (deleting && (!cloud || cloud.state === 'deleted')) {
    await ctx.deps.snapshots.update(snapshot.tenant, snapshot.id, {
      status: 'deleted',
      activeOperationId: null,
    });
    await ctx.deps.quotas?.release(snapshot.tenant, snapshot.id);
    return { type: 'done' };
  }
  if (cloud?.state === 'error') throw new BrokerError('snapshot.cloudError', `snapshot is ${cloud.rawState}`);
  if (!deleting && cloud?.state === 'available') {
    await ctx.deps.snapshots.update(snapshot.tenant, snapshot.id, {
      status: 'available',
      activeOperationId: null,
    });
    await ctx.deps.quotas?.confirm(snapshot.tenant, snapshot.placement.site, snapshot.id);
    return { type: 'done', result: { snapshotId: snapshot.id } };
  }
  return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
}
