import {
  DescribeAvailabilityZonesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { BrokerError } from '../../core/errors.ts';
import { awsCall } from './aws-errors.ts';
import type { AwsSettings } from './aws-settings.ts';

/**
 * Where this target's resources live inside its region: one zone (EBS volumes attach only within their
 * zone, so instances and volumes must share one) and one VPC (security groups are per VPC). Resolved
 * lazily from the connection settings and cached for the provider's life.
 */
export class Ec2Location {
  readonly #ec2: EC2Client;
  readonly #settings: AwsSettings;
  #zone: Promise<string> | undefined;
  #vpc: Promise<string> | undefined;

  constructor(ec2: EC2Client, settings: AwsSettings) {
    this.#ec2 = ec2;
    this.#settings = settings;
  }

  /** The target's zone: configured, else its subnet's, else the region's first available zone. */
  zone(): Promise<string> {
    this.#zone ??= this.#resolveZone().catch((error: unknown) => {
      this.#zone = undefined;
      throw error;
    });
    return this.#zone;
  }

  /** The target's VPC: configured, else its subnet's, else the region's default VPC. */
  vpcId(): Promise<string> {
    this.#vpc ??= this.#resolveVpc().catch((error: unknown) => {
      this.#vpc = undefined;
      throw error;
    });
    return this.#vpc;
  }

  /** The VPC's `default` group: what an instance keeps when the broker removes its last group. */
  async defaultGroupId(vpcId: string): Promise<string> {
    const out = await awsCall('DescribeSecurityGroups', () =>
      this.#ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: ['default'] },
          ],
        }),
      ),
    );
    const id = out.SecurityGroups?.[0]?.GroupId;
    if (!id) throw new BrokerError('aws.notFound', 'the VPC has no default security group');
    return id;
  }

  async #resolveZone(): Promise<string> {
    const { availabilityZone, subnetId } = this.#settings;
    if (availabilityZone) return availabilityZone;
    if (subnetId) {
      const subnet = await this.#subnet(subnetId);
      if (subnet.AvailabilityZone) return subnet.AvailabilityZone;
    }
    const out = await awsCall('DescribeAvailabilityZones', () =>
      this.#ec2.send(
        new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }),
      ),
    );
    const zones = (out.AvailabilityZones ?? []).map((z) => z.ZoneName).filter((z): z is string => Boolean(z));
    const first = zones.sort()[0];
    if (!first)
      throw new BrokerError('aws.unavailable', `region ${this.#settings.region} reports no available zone`);
    return first;
  }

  async #resolveVpc(): Promise<string> {
    const { vpcId, subnetId } = this.#settings;
    if (vpcId) return vpcId;
    if (subnetId) {
      const subnet = await this.#subnet(subnetId);
      if (subnet.VpcId) return subnet.VpcId;
    }
    const out = await awsCall('DescribeVpcs', () =>
      this.#ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })),
    );
    const id = out.Vpcs?.[0]?.VpcId;
    if (!id)
      throw new BrokerError('aws.invalidRequest', 'no vpcId configured and the region has no default VPC');
    return id;
  }

  async #subnet(subnetId: string) {
    const out = await awsCall('DescribeSubnets', () =>
      this.#ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] })),
    );
    const subnet = out.Subnets?.[0];
    if (!subnet) throw new BrokerError('aws.notFound', 'the configured subnet does not exist');
    return subnet;
  }
}
