import { BrokerError, isBrokerError } from '../errors.ts';
import type { Bucket } from '../model/bucket.ts';
import type { CloudBucket } from '../ports/cloud/object-storage.ts';
import { deleteAndSettle, isGone } from './ambiguous-delete.ts';
import { lookupThenCreate } from './create-on-target.ts';
import { fallBackToNextPermitted } from './fallback.ts';
import type { OperationDefinition, StepContext, StepOutcome } from './step.ts';

/** bucket.create (idempotent on the derived cloud name, fallback among the permitted) and bucket.delete. */
export const bucketLifecycle: OperationDefinition = {
  kinds: ['bucket.create', 'bucket.delete'],
  steps: { provision, deleteBucket },
  async onFailed(ctx, error) {
    const bucket = await ctx.deps.buckets.get(ctx.op.tenant, ctx.op.resource.id);
    if (!bucket) return;
    // A delete whose effect happened is a succeeded delete, however the operation ended.
    const deleted =
      ctx.op.kind === 'bucket.delete' &&
      bucket.placement !== undefined &&
      (await isGone(lookUp(ctx, bucket)));
    const status = ctx.op.kind === 'bucket.create' ? 'error' : deleted ? 'deleted' : 'active';
    if (deleted) await ctx.deps.usage?.bucket(ctx.op.id, 'gone', bucket, 'gone');
    await ctx.deps.buckets.update(bucket.tenant, bucket.id, {
      status,
      activeOperationId: null,
      fault: status === 'error' ? error.message : null,
    });
    if (status !== 'active') await ctx.deps.quotas?.release(bucket.tenant, bucket.id);
  },
};

async function load(ctx: StepContext): Promise<Bucket> {
  const bucket = await ctx.deps.buckets.get(ctx.op.tenant, ctx.op.resource.id);
  if (!bucket?.placement)
    throw new BrokerError('bucket.missing', `bucket ${ctx.op.resource.id} has no record`);
  return bucket;
}

async function provision(ctx: StepContext): Promise<StepOutcome> {
  const bucket = await load(ctx);
  const provider = ctx.deps.providers.get(bucket.placement!.targetId);
  const targetId = provider.target.id;
  const attempt = await lookupThenCreate<CloudBucket>(ctx, {
    targetId,
    lookup: () =>
      provider.objectStorage.getBucket(bucket.cloudName).catch((error: unknown) => {
        if (isBrokerError(error, 'notFound')) return undefined;
        throw error;
      }),
    create: () =>
      provider.objectStorage.createBucket({
        brokerId: bucket.id,
        name: bucket.cloudName,
        tags: {
          ...bucket.tags,
          'hcb:bucket': bucket.id,
          'hcb:tenant': bucket.tenant,
          'hcb:classification': bucket.classification,
        },
      }),
  });
  if (attempt.type === 'leave')
    return fallBackToNextPermitted(ctx, targetId, attempt.reason, async (placement) => {
      await ctx.deps.quotas?.move(bucket.tenant, bucket.id, bucket.placement!.site, placement.site);
      return ctx.deps.buckets.update(bucket.tenant, bucket.id, { placement });
    });
  await ctx.deps.usage?.bucket(ctx.op.id, 'active', bucket, 'running', attempt.resource.bytesUsed ?? 0);
  await ctx.deps.buckets.update(bucket.tenant, bucket.id, {
    status: 'active',
    activeOperationId: null,
    fault: null,
  });
  await ctx.deps.quotas?.confirm(bucket.tenant, provider.target.site, bucket.id);
  return { type: 'done', result: { targetId } };
}

async function deleteBucket(ctx: StepContext): Promise<StepOutcome> {
  const bucket = await load(ctx);
  const storage = ctx.deps.providers.get(bucket.placement!.targetId).objectStorage;
  await deleteAndSettle(
    () => storage.deleteBucket(bucket.cloudName, { force: ctx.op.input.force === 'true' }),
    lookUp(ctx, bucket),
  );
  await ctx.deps.usage?.bucket(ctx.op.id, 'gone', bucket, 'gone');
  await ctx.deps.buckets.update(bucket.tenant, bucket.id, {
    status: 'deleted',
    activeOperationId: null,
    fault: null,
  });
  await ctx.deps.quotas?.release(bucket.tenant, bucket.id);
  return { type: 'done' };
}

/** The bucket as a delete sees it: present until the store answers not found. */
function lookUp(ctx: StepContext, bucket: Bucket): () => Promise<{ state: string }> {
  const storage = ctx.deps.providers.get(bucket.placement!.targetId).objectStorage;
  return () => storage.getBucket(bucket.cloudName).then(() => ({ state: 'present' }));
}
