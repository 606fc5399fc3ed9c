import { BrokerError, isBrokerError } from '../errors.ts';
import type { Image } from '../model/image.ts';
import { type OperationDefinition, pollDelay, type StepContext, type StepOutcome } from './step.ts';
import { stepAttempt } from './vm-steps-common.ts';

/** image.copy (destination pulls from source, lookup-before-copy by broker id) and image.delete. */
export const imageLifecycle: OperationDefinition = {
  kinds: ['image.copy', 'image.delete'],
  steps: { copy, awaitAvailable, deleteImage },
  async onFailed(ctx, error) {
    const image = await ctx.deps.images.get(ctx.op.tenant, ctx.op.resource.id);
    if (!image) return;
    const status = ctx.op.kind === 'image.copy' ? 'error' : 'available';
    await ctx.deps.images.update(image.tenant, image.id, {
      status,
      activeOperationId: null,
      fault: error.message,
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
  if (image.cloudId)
    await ctx.deps.providers
      .get(image.placement.targetId)
      .images.deleteImage(image.cloudId)
      .catch((error: unknown) => {
        if (!isBrokerError(error, 'notFound')) throw error;
      });
  await ctx.deps.images.update(image.tenant, image.id, {
    status: 'deleted',
    activeOperationId: null,
    fault: null,
  });
  return { type: 'done' };
}
