import { DescribeImagesCommand, type EC2Client, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { BrokerError } from '../../core/errors.ts';
import type { CreateServerInput } from '../../core/ports/cloud/compute.ts';
import { awsCall } from './aws-errors.ts';
import { type AwsSettings, ec2ClientToken, TAG, toTags } from './aws-settings.ts';

/** An AMI's root volume: its device name and snapshot size. */
export interface RootDevice {
  deviceName: string;
  sizeGiB?: number;
}

/**
 * The RunInstances request: IMDSv2 only, encrypted root volume, no public IPv4 unless the target asks,
 * broker tags on the instance and its root volume, and the operation's ClientToken so that a retried
 * call never launches twice (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html).
 */
export function runInstancesInput(
  input: CreateServerInput,
  p: { instanceType: string; imageId: string; root: RootDevice; settings: AwsSettings; zone?: string },
): RunInstancesCommandInput {
  const own = { [TAG.vm]: input.brokerId, [TAG.name]: input.name };
  return {
    ClientToken: ec2ClientToken(input.clientToken),
    ImageId: p.imageId,
    InstanceType: p.instanceType as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    BlockDeviceMappings: [
      {
        DeviceName: p.root.deviceName,
        Ebs: {
          Encrypted: true,
          DeleteOnTermination: true,
          // The AMI's own size, spelled out: AWS defaults to it, moto insists on being told.
          ...(p.root.sizeGiB ? { VolumeSize: p.root.sizeGiB } : {}),
          ...(p.settings.kmsKeyId ? { KmsKeyId: p.settings.kmsKeyId } : {}),
        },
      },
    ],
    // A network interface spelled out, because only there can the public IPv4 be refused explicitly
    // (default subnets map one on launch otherwise); groups then must go here too.
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        AssociatePublicIpAddress: p.settings.associatePublicIp,
        DeleteOnTermination: true,
        // A tenant network is a subnet of the target's VPC, in the target's zone; else the configured one.
        ...(input.networkIds?.[0]
          ? { SubnetId: input.networkIds[0] }
          : p.settings.subnetId
            ? { SubnetId: p.settings.subnetId }
            : {}),
        ...(input.securityGroupIds?.length ? { Groups: input.securityGroupIds } : {}),
      },
    ],
    ...(p.zone ? { Placement: { AvailabilityZone: p.zone } } : {}),
    ...(input.userData === undefined
      ? {}
      : { UserData: Buffer.from(input.userData, 'utf8').toString('base64') }),
    TagSpecifications: [
      {
        ResourceType: 'instance',
        Tags: toTags({ ...own, [TAG.clientToken]: input.clientToken }, input.tags),
      },
      { ResourceType: 'volume', Tags: toTags(own) },
    ],
  };
}

/** What RunInstances needs to know about an AMI, read once per AMI and kept for the provider's life. */
export class LaunchImages {
  readonly #ec2: EC2Client;
  readonly #rootDevices = new Map<string, Promise<RootDevice>>();

  constructor(ec2: EC2Client) {
    this.#ec2 = ec2;
  }

  /** The AMI's root device, so the encrypted mapping replaces the root volume instead of adding one. */
  rootDevice(imageId: string): Promise<RootDevice> {
    let known = this.#rootDevices.get(imageId);
    if (!known) {
      known = awsCall('DescribeImages', () =>
        this.#ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })),
      ).then((out) => {
        const image = out.Images?.[0];
        const deviceName = image?.RootDeviceName;
        if (!deviceName)
          throw new BrokerError('aws.invalidRequest', `image ${imageId} is not available in this region`);
        const sizeGiB = image.BlockDeviceMappings?.find((m) => m.DeviceName === deviceName)?.Ebs?.VolumeSize;
        return { deviceName, ...(sizeGiB ? { sizeGiB } : {}) };
      });
      known.catch(() => this.#rootDevices.delete(imageId));
      this.#rootDevices.set(imageId, known);
    }
    return known;
  }
}
