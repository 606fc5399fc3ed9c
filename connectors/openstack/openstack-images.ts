import { BrokerError } from '../../core/errors.ts';
import type { CloudImage, CopyImageInput, ImageService } from '../../core/ports/cloud/images.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import type { Glance } from './glance.ts';
import { BROKER_IMAGE_KEY, toCloudImage } from './glance.ts';

/** ImageService on Glance v2: the catalogue's images, the snapshots the broker takes, and copies. */
export class OpenStackImages implements ImageService {
  readonly #glance: Glance;

  constructor(glance: Glance) {
    this.#glance = glance;
  }

  /** Throws `openstack.notFound` for an unknown or deleted image (Glance hides deleted ones: 404). */
  async getImage(imageId: string): Promise<CloudImage> {
    return toCloudImage(await this.#glance.getImage(imageId));
  }

  async *listImages(): AsyncIterable<CloudImage> {
    for await (const image of this.#glance.listImages()) yield toCloudImage(image);
  }

  /** Glance treats an unknown query parameter as a property filter: the broker id is one. */
  async findImageByBrokerId(brokerId: string): Promise<CloudImage | undefined> {
    for await (const image of this.#glance.listImages({ [BROKER_IMAGE_KEY]: brokerId }))
      if (image.status !== 'deleted' && image.status !== 'killed') return toCloudImage(image);
    return undefined;
  }

  /**
   * Copies an image from another OpenStack target (another region or cloud of the hospital): download
   * from its Glance, create here with the broker id, upload. Lookup first, so a retry resumes instead of
   * creating a second copy. The bytes pass through the worker, on-prem to on-prem.
   * https://docs.openstack.org/api-ref/image/v2/#download-binary-image-data
   */
  async copyImageFrom(
    source: CloudProvider,
    imageId: string,
    input: CopyImageInput,
  ): Promise<{ imageId: string }> {
    const from = (source as { glance?: Glance }).glance;
    if (source.target.cloud !== 'openstack' || !from)
      throw new BrokerError(
        'openstack.unsupported',
        `cannot copy a ${source.target.cloud} image into OpenStack`,
      );
    const original = await from.getImage(imageId);
    if (original.status !== 'active')
      throw new BrokerError('openstack.conflict', `source image is ${original.status}`);
    const earlier = await this.findImageByBrokerId(input.brokerId);
    if (earlier && earlier.state !== 'pending') return { imageId: earlier.id };
    const copy =
      earlier ??
      toCloudImage(
        await this.#glance.createImage({
          name: input.name,
          diskFormat: original.disk_format ?? 'raw',
          containerFormat: original.container_format ?? 'bare',
          properties: { [BROKER_IMAGE_KEY]: input.brokerId },
        }),
      );
    await this.#glance.uploadImage(copy.id, await from.downloadImage(imageId));
    return { imageId: copy.id };
  }

  async deleteImage(imageId: string): Promise<void> {
    await this.#glance.deleteImage(imageId);
  }
}
