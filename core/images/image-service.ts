import { taint } from '../classification.ts';
import { BrokerError, fieldError } from '../errors.ts';
import type { Image } from '../model/image.ts';
import type { Principal } from '../model/principal.ts';
import { type TargetCatalogue, targetRef } from '../model/target.ts';
import { type Created, type CreateIds, createOnce } from '../operations/create-once.ts';
import { operationFor } from '../operations/new-operation.ts';
import { startOnClaimed } from '../operations/resource-operations.ts';
import { ownedOrNotFound } from '../owned.ts';
import type { ProviderRegistry } from '../ports/cloud/provider.ts';
import type { FlowPolicy } from '../ports/flow-policy.ts';
import type { KeyBindings } from '../ports/idempotency.ts';
import type { ImageRepository } from '../ports/image-repository.ts';
import type { OperationQueue } from '../ports/queue.ts';
import type { OperationRepository, Page, PageRequest } from '../ports/repositories.ts';
import { type RequestContext, withoutActiveOperation } from '../vms/vm-service.ts';
import { denied } from '../volumes/volume-service.ts';
import {
  type PublicImage,
  pageWithPublic,
  publicImage,
  publicImageReadOnly,
  publicImages,
} from './catalogue-images.ts';

export interface ImageServiceDeps {
  catalogue: TargetCatalogue;
  images: ImageRepository;
  operations: OperationRepository;
  queue: OperationQueue;
  providers: ProviderRegistry;
  flows: FlowPolicy;
  clock: { now(): Date };
  bindings: KeyBindings;
}

/** The broker's images: read, delete, and copy to another target where policy allows. */
export class ImageService {
  readonly #d: ImageServiceDeps;

  constructor(deps: ImageServiceDeps) {
    this.#d = deps;
  }

  async get(principal: Principal, id: string): Promise<Image> {
    return ownedOrNotFound('image', id, this.#d.images.get(principal.tenant, id));
  }

  /** The tenant's own images, then the catalogue's public ones (read-only, the same for every tenant). */
  list(
    principal: Principal,
    filter: { targetId?: string },
    page: PageRequest,
  ): Promise<Page<Image | PublicImage>> {
    return pageWithPublic(
      publicImages(this.#d.catalogue, filter),
      filter.targetId ?? '*',
      (p) => this.#d.images.list(principal.tenant, filter, p),
      page,
    );
  }

  /**
   * Copies an image to another target. Policy decides first (a phi image is never copied to a public
   * target: 403 naming the policies); then whether the two clouds can copy at all (422). The copy is
   * classified at least as its source. At most one copy per Idempotency-Key, ever (I4).
   */
  async copy(ctx: RequestContext, id: string, targetId: string, name?: string) {
    const created = await createOnce(this.#d, {
      tenant: ctx.principal.tenant,
      ...(ctx.idempotency === undefined ? {} : { idempotency: ctx.idempotency }),
      prefix: 'img',
      prepare: (ids) => this.#prepareCopy(ctx, id, targetId, name, ids),
      resources: this.#d.images,
      failed: (image): Image => ({ ...withoutActiveOperation(image), status: 'error' }),
    });
    return { image: created.resource, operation: created.operation };
  }

  async #prepareCopy(
    ctx: RequestContext,
    id: string,
    targetId: string,
    name: string | undefined,
    ids: CreateIds,
  ): Promise<Created<Image>> {
    const source = await this.get(ctx.principal, id);
    const from = this.#d.catalogue.targets.find((t) => t.id === source.placement.targetId);
    const to = this.#d.catalogue.targets.find((t) => t.id === targetId);
    if (!to) throw fieldError('body.targetId', `no target ${targetId}`);
    if (!from) throw new BrokerError('image.unplaced', `image ${id} is on an unknown target`);
    if (to.id === from.id) throw fieldError('body.targetId', 'the image is already on that target');
    const verdict = this.#d.flows.copy({
      principal: ctx.principal,
      artefact: { kind: 'image', classification: source.classification },
      from,
      to,
    });
    if (!verdict.permitted)
      throw denied('copy', verdict, `copying a ${source.classification} image to ${to.id} is denied`);
    const destination = this.#d.providers.get(to.id);
    if (
      from.cloud !== to.cloud ||
      !destination.capabilities.has('imageCopy') ||
      !destination.images.copyImageFrom
    )
      throw new BrokerError(
        'copy.unsupported',
        `images are copied only between targets of one cloud kind that support it (${from.cloud} → ${to.cloud})`,
      );
    if (source.status !== 'available' || source.cloudId === undefined)
      throw new BrokerError('image.invalidState', `image ${id} is ${source.status}`, {
        details: { status: source.status },
      });
    const copyId = ids.resourceId;
    const operation = this.#operation(ctx, 'image.copy', copyId, 'copy', {
      sourceImageId: source.id,
      sourceCloudId: source.cloudId,
    });
    operation.id = ids.operationId;
    const at = this.#d.clock.now().toISOString();
    const copy: Image = {
      id: copyId,
      tenant: source.tenant,
      name: name ?? `${source.name}-copy`,
      classification: taint(source.classification),
      status: 'pending',
      placement: targetRef(to),
      source: { kind: 'image', imageId: source.id },
      operationId: operation.id,
      activeOperationId: operation.id,
      createdAt: at,
      updatedAt: at,
    };
    return { resource: copy, operation };
  }

  async delete(ctx: RequestContext, id: string) {
    if (publicImage(this.#d.catalogue, id)) throw publicImageReadOnly(id);
    const image = await this.get(ctx.principal, id);
    if (!['available', 'error'].includes(image.status))
      throw new BrokerError('image.invalidState', `image ${id} is ${image.status}`, {
        details: { status: image.status },
      });
    const operation = this.#operation(ctx, 'image.delete', id, 'deleteImage', {});
    return startOnClaimed(this.#d, this.#d.images, image, operation, 'deleting');
  }

  #operation(
    ctx: RequestContext,
    kind: string,
    id: string,
    firstStep: string,
    input: Record<string, string>,
  ) {
    // Copies move whole images between clouds: allow them an hour.
    return operationFor(ctx, this.#d.clock.now(), {
      kind,
      resource: { type: 'image', id },
      firstStep,
      input,
      deadlineMs: 60 * 60_000,
    });
  }
}
