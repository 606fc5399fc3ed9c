import { BrokerError } from '../errors.ts';
import type { Image } from '../model/image.ts';
import { deleteAndSettle, isGone } from './ambiguous-delete.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { stepAttempt } from './vm-steps-common.ts';

/** image.copy (destination pulls from source, lookup-before-copy by broker id) and image.delete. */
export const imageLifecycle: OperationDefinition = {
  kinds: ['image.copy', 'image.delete'],
  steps: { copy, awaitAvailable, deleteImage },
  async onFailed(ctx, error) {
    const image = await ctx.deps.images.get(ctx.op.tenant, ctx.op.resource.id);
    if (!image) return;
    // A delete whose effect happened is a succeeded delete, however the operation ended.
    const cloudId = image.cloudId;
    const images = ctx.deps.providers.get(image.placement.targetId).images;
    const deleted =
      ctx.op.kind === 'image.delete' &&
      (cloudId === undefined || (await isGone(() => images.getImage(cloudId))) === true);
    const status = ctx.op.kind === 'image.copy' ? 'error' : deleted ? 'deleted' : 'available';
    await ctx.deps.images.update(image.tenant, image.id, {
      status,
      activeOperationId: null,
      fault: deleted ? null : error.message,
    });
  },
};

async function load(ctx: StepContext): Promise<Image> {
  const image = await ctx.deps.images.get(ctx.op.tenant, ctx.op.resource.id);
  if (!image) throw new BrokerError('image.missing', `image ${ctx.op.resource.id} has no record`);
  return image;
}

async function copy(ctx: StepContext): Promise<StepOutcome> {
  const image = await load(ctx);
  const source = await ctx.deps.images.get(ctx.op.tenant, ctx.op.input.sourceImageId!);
  if (!source) throw new BrokerError('image.missing', 'the source image is gone');
  const destination = ctx.deps.providers.get(image.placement.targetId);
  const { imageId } = await destination.images.copyImageFrom!(
    ctx.deps.providers.get(source.placement.targetId),
    ctx.op.input.sourceCloudId!,
    {
      brokerId: image.id,
      name: image.name,
    },
  );
  await ctx.deps.images.update(image.tenant, image.id, { cloudId: imageId });
  return { type: 'next', step: 'awaitAvailable', note: `copy ${imageId} on ${image.placement.targetId}` };
}

async function awaitAvailable(ctx: StepContext): Promise<StepOutcome> {
  const image = await load(ctx);
  const cloud = await ctx.deps.providers.get(image.placement.targetId).images.getImage(image.cloudId!);
  if (cloud.state === 'error' || cloud.state === 'deleted')
    throw new BrokerError('image.failed', `copy ended ${cloud.rawState}`);
  if (cloud.state !== 'available') return { type: 'wait', delayMs: pollDelay(stepAttempt(ctx)) };
  await ctx.deps.images.update(image.tenant, image.id, {
    status: 'available',
    activeOperationId: null,
    fault: null,
  });
  return { type: 'done', result: { imageId: image.id } };
}

async function deleteImage(ctx: StepContext): Promise<StepOutcome> {
  const image = await load(ctx);
  const cloudId = image.cloudId;
  if (cloudId) {
    const images = ctx.deps.providers.get(image.placement.targetId).images;
    // Requested, gone or going: the image is on its way out (Glance and EC2 remove images at once).
    await deleteAndSettle(
      () => images.deleteImage(cloudId),
      () => images.getImage(cloudId),
    );
  }
  await ctx.deps.images.update(image.tenant, image.id, {
    status: 'deleted',
    activeOperationId: null,
    fault: null,
  });
  return { type: 'done' };
}
