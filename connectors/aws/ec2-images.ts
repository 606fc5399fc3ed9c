import {
  CopyImageCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { BrokerError } from '../../core/errors.ts';
import type { Target } from '../../core/model/target.ts';
import type { CloudImage, CopyImageInput, ImageService, ImageState } from '../../core/ports/cloud/images.ts';
import type { CloudProvider } from '../../core/ports/cloud/provider.ts';
import { awsCall, awsCallOrAbsent } from './aws-errors.ts';
import { type AwsSettings, ec2ClientToken, pages, TAG, tagValue, toTags } from './aws-settings.ts';

/** AMI names are unique per account and region; the broker id makes them so (the human name is a tag). */
export function amiName(brokerId: string): string {
  return `hcb-${brokerId}`.replace(/[^A-Za-z0-9()[\] ./'@_-]/g, '-').slice(0, 128);
}

/** The broker's AMI carrying this broker id, if any (lookup before CreateImage). */
export async function findImageByTag(ec2: EC2Client, brokerId: string): Promise<Image | undefined> {
  const out = await awsCall('DescribeImages', () =>
    ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: `tag:${TAG.image}`, Values: [brokerId] }],
      }),
    ),
  );
  return out.Images?.find((i) => i.State !== 'deregistered');
}

/** AMIs: the target's catalogue images and the images the broker made of its servers. */
export class Ec2Images implements ImageService {
  readonly #ec2: EC2Client;
  readonly #target: Target;
  readonly #settings: AwsSettings;

  constructor(ec2: EC2Client, target: Target, settings: AwsSettings) {
    this.#ec2 = ec2;
    this.#target = target;
    this.#settings = settings;
  }

  /** A deregistered image counts as gone (`notFound`), as a fully deleted server does. */
  async getImage(imageId: string): Promise<CloudImage> {
    const image = await this.#describe(imageId);
    if (!image || image.State === 'deregistered')
      throw new BrokerError('aws.notFound', `no image ${imageId}`);
    return toCloudImage(image, this.#logicalName(imageId));
  }

  async *listImages(): AsyncIterable<CloudImage> {
    const catalogue = Object.values(this.#target.images);
    if (catalogue.length > 0) {
      // A filter, not ImageIds: a catalogue AMI missing from the region is skipped instead of failing the listing.
      const out = await awsCall('DescribeImages', () =>
        this.#ec2.send(new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: catalogue }] })),
      );
      for (const image of out.Images ?? []) yield toCloudImage(image, this.#logicalName(image.ImageId ?? ''));
    }
    for await (const page of pages((NextToken) =>
      awsCall('DescribeImages', () =>
        this.#ec2.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            Filters: [{ Name: 'tag-key', Values: [TAG.image] }],
            MaxResults: this.#settings.pageSize,
            NextToken,
          }),
        ),
      ),
    ))
      for (const image of page.Images ?? []) if (image.State !== 'deregistered') yield toCloudImage(image);
  }

  async findImageByBrokerId(brokerId: string): Promise<CloudImage | undefined> {
    const image = await findImageByTag(this.#ec2, brokerId);
    return image && toCloudImage(image);
  }

  /**
   * Copies an AMI of another AWS target (region) into this one: CopyImage runs in the destination region
   * and pulls from the source (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html),
   * encrypted, with the broker id as a tag so a retry finds the copy instead of starting another.
   */
  async copyImageFrom(
    source: CloudProvider,
    imageId: string,
    input: CopyImageInput,
  ): Promise<{ imageId: string }> {
    if (source.target.cloud !== 'aws')
      throw new BrokerError('aws.unsupported', `cannot copy a ${source.target.cloud} image into AWS`);
    const earlier = await findImageByTag(this.#ec2, input.brokerId);
    if (earlier?.ImageId) return { imageId: earlier.ImageId };
    const sourceRegion = String(source.target.connection.region ?? source.target.region);
    const out = await awsCall('CopyImage', () =>
      this.#ec2.send(
        new CopyImageCommand({
          SourceRegion: sourceRegion,
          SourceImageId: imageId,
          Name: amiName(input.brokerId),
          Encrypted: true,
          ClientToken: ec2ClientToken(`copy-${input.brokerId}`),
        }),
      ),
    );
    if (!out.ImageId) throw new BrokerError('aws.unavailable', 'CopyImage returned no image id');
    await awsCall('CreateTags', () =>
      this.#ec2.send(
        new CreateTagsCommand({
          Resources: [out.ImageId!],
          Tags: toTags({ [TAG.image]: input.brokerId, [TAG.name]: input.name }),
        }),
      ),
    );
    return { imageId: out.ImageId };
  }

  /**
   * Deregisters the AMI and deletes its snapshots (which AWS otherwise keeps, and bills). The snapshot ids
   * are read first: afterwards the image is gone. `DeleteAssociatedSnapshots` does the same in one call on
   * AWS (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeregisterImage.html); emulators ignore it.
   */
  async deleteImage(imageId: string): Promise<void> {
    if (Object.values(this.#target.images).includes(imageId))
      throw new BrokerError('aws.conflict', 'catalogue images are not deleted by the broker');
    const image = await this.#describe(imageId);
    if (!image) return;
    const snapshots = (image.BlockDeviceMappings ?? [])
      .map((m) => m.Ebs?.SnapshotId)
      .filter((s): s is string => Boolean(s));
    if (image.State !== 'deregistered')
      await awsCallOrAbsent('DeregisterImage', () =>
        this.#ec2.send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true })),
      );
    for (const snapshotId of snapshots)
      await awsCallOrAbsent('DeleteSnapshot', () =>
        this.#ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
      );
  }

  async #describe(imageId: string): Promise<Image | undefined> {
    const out = await awsCallOrAbsent('DescribeImages', () =>
      this.#ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })),
    );
    return out?.Images?.[0];
  }

  #logicalName(imageId: string): string | undefined {
    return Object.entries(this.#target.images).find(([, id]) => id === imageId)?.[0];
  }
}

const STATES: Record<string, ImageState> = {
  pending: 'pending',
  transient: 'pending',
  available: 'available',
  deregistered: 'deleted',
  invalid: 'error',
  failed: 'error',
  error: 'error',
};

export const toImageState = (state: string | undefined): ImageState => STATES[state ?? ''] ?? 'unknown';

export function toCloudImage(image: Image, logicalName?: string): CloudImage {
  const view: CloudImage = {
    id: image.ImageId ?? '',
    name: logicalName ?? tagValue(image.Tags, TAG.name) ?? image.Name ?? image.ImageId ?? '',
    state: toImageState(image.State),
    rawState: image.State ?? 'unknown',
  };
  const brokerId = tagValue(image.Tags, TAG.image);
  if (brokerId !== undefined) view.brokerId = brokerId;
  const gib = (image.BlockDeviceMappings ?? []).reduce((sum, m) => sum + (m.Ebs?.VolumeSize ?? 0), 0);
  if (gib > 0) view.sizeBytes = gib * 1024 ** 3;
  return view;
}
